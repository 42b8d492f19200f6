/**
 * The process logger (pino, JSON lines on stdout). Fields that can carry secrets are redacted
 * wherever they appear, so a careless log call cannot leak a key or a token.
 */
import { pino, stdSerializers, type Logger } from 'pino';
import type { KeystreamConfig } from './config.js';

/** Paths pino censors in every log line. */
export const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  '*.privateKeyData',
  '*.apiKey',
  '*.private_key_data',
  '*.api_key',
  '*.private_key',
  '*.nttAdminCredentials',
  '*.ntt_admin_credentials',
  '*.clientSecret',
  '*.client_secret',
  'pageTokenKey',
  '*.pageTokenKey',
];

/** Creates the logger of a keystream process. */
export function createLogger(config: Pick<KeystreamConfig, 'logLevel'>, destination?: NodeJS.WritableStream): Logger {
  // An Error has no enumerable fields, so without a serializer `{ error }` logs as `"error":{}`:
  // every key the code base logs errors under gets pino's (type, message, stack, code, cause).
  const serializers = { error: stdSerializers.err, err: stdSerializers.err, cause: stdSerializers.err };
  const options = { level: config.logLevel, base: { service: 'keystream' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, serializers };
  return destination === undefined ? pino(options) : pino(options, destination);
}
