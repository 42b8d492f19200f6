/**
 * The one error type of keystream. Every failure a caller can see carries a gRPC canonical code;
 * the HTTP status, the JSON body and the WebSocket error frame are derived from it at the edge.
 */

/** gRPC canonical status codes (google.rpc.Code), by name. */
export const STATUS_CODES = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A gRPC canonical status name. */
export type StatusCode = Exclude<keyof typeof STATUS_CODES, 'OK'>;

/** HTTP status for each code, as google.rpc's HTTP mapping states it. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<StatusCode, number>> = {
  CANCELLED: 499,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 400,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  UNAUTHENTICATED: 401,
};

/** A structured detail attached to an error (google.rpc.BadRequest-style field violation, etc.). */
export interface ErrorDetail {
  readonly '@type': string;
  readonly [key: string]: unknown;
}

/** Field violations, in the shape of google.rpc.BadRequest. */
export interface FieldViolation {
  /** The offending field path, lowerCamelCase, dotted, with indexes: `roleBinding.scopeParams[0].name`. */
  readonly field: string;
  readonly description: string;
}

/** The JSON error body every edge returns: `{"error": {...}}`. */
export interface ErrorBody {
  readonly error: {
    readonly code: number;
    readonly status: StatusCode;
    readonly message: string;
    readonly details: readonly ErrorDetail[];
  };
}

/**
 * google.rpc.Status in its JSON form (`code` is the numeric gRPC code): what grpc-gateway writes as
 * the last line of a stream that an error ends, `{"error": <Status>}`.
 */
export interface RpcStatus {
  readonly code: number;
  readonly message: string;
  readonly details: readonly ErrorDetail[];
}

/** The status name of a numeric gRPC code, or undefined for a number that is none. */
export function statusCodeName(code: number): StatusCode | undefined {
  return (Object.keys(STATUS_CODES) as (keyof typeof STATUS_CODES)[]).find((name) => name !== 'OK' && STATUS_CODES[name] === code) as StatusCode | undefined;
}

/** Options of a KeystreamError beyond its code, message and details. */
export interface KeystreamErrorOptions {
  readonly cause?: unknown;
  /**
   * An HTTP status more precise than the code's usual mapping, for the few cases HTTP can say
   * better than gRPC (405 Method Not Allowed, 413 Payload Too Large). The code stays canonical.
   */
  readonly httpStatus?: number;
  /** Response headers the error calls for (e.g. `allow` with a 405). */
  readonly headers?: Readonly<Record<string, string>>;
}

export class KeystreamError extends Error {
  override readonly name = 'KeystreamError';
  private readonly httpStatusOverride: number | undefined;
  /** Response headers the error calls for. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: StatusCode,
    message: string,
    readonly details: readonly ErrorDetail[] = [],
    options: KeystreamErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.httpStatusOverride = options.httpStatus;
    this.headers = options.headers ?? {};
  }

  /** INVALID_ARGUMENT for one or more fields, with a BadRequest detail listing them. */
  static invalidArgument(violations: readonly FieldViolation[]): KeystreamError {
    const message = violations.map((violation) => `${violation.field}: ${violation.description}`).join('; ');
    return new KeystreamError('INVALID_ARGUMENT', message, [
      { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations },
    ]);
  }

  /** The HTTP status this error is answered with. */
  get httpStatus(): number {
    return this.httpStatusOverride ?? HTTP_STATUS_BY_CODE[this.code];
  }

  /** The error as a google.rpc.Status (numeric gRPC code), for the last line of an NDJSON stream. */
  toStatus(): RpcStatus {
    return { code: STATUS_CODES[this.code], message: this.message, details: this.details };
  }

  /** The JSON body of the error (never a stack trace). */
  toBody(): ErrorBody {
    return { error: { code: this.httpStatus, status: this.code, message: this.message, details: this.details } };
  }
}

/** True when the value is a KeystreamError (also across package copies). */
export function isKeystreamError(value: unknown): value is KeystreamError {
  return value instanceof KeystreamError;
}
