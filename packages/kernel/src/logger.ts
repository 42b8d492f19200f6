/** The one logging interface of keystream's components. */

/**
 * Structured logging, shaped so a pino logger fits as is (`logger.warn(fields, message)`).
 * Components take one as an option and stay silent without it.
 */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything: the default of components given none. */
export const SILENT_LOGGER: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
