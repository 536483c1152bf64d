// The one error type of Tributary: a stable code, whether a retry may help, and the cause.
// graphql/plugins/error-masking.ts is the one place that maps it to a GraphQL error.

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'UNKNOWN_STREAM'
  | 'UNKNOWN_VIEW'
  | 'INVALID_EVENT'
  | 'EVENT_TOO_LARGE'
  | 'MISSING_TIMESTAMP'
  | 'INVALID_TIMESTAMP'
  | 'TIMESTAMP_IN_FUTURE'
  | 'BATCH_TOO_LARGE'
  | 'LATE_EVENT'
  | 'STORAGE_UNAVAILABLE'
  | 'MIGRATION_CHECKSUM_MISMATCH'
  | 'SHUTTING_DOWN'
  | 'SUBSCRIBER_TOO_SLOW'
  | 'OVERLOADED'
  | 'INVALID_SCHEMA'
  | 'INCOMPATIBLE_SCHEMA'
  | 'SCHEMA_VIOLATION'
  | 'SCHEMA_ARCHIVED'
  | 'SCHEMA_REQUIRED'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'RATE_LIMITED'
  | 'CONFLICT'
  | 'FAULT_INJECTION_DISABLED'
  | 'PROCESSING_BEHIND'
  | 'INTERNAL';

export interface GatewayErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  /** Dotted path of the offending field, e.g. `input.measures[1].field` or `events[3].ts`. */
  path?: string;
  details?: Record<string, unknown>;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly path?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.path = options.path;
    this.details = options.details;
  }

  static is(error: unknown, code?: ErrorCode): error is GatewayError {
    return error instanceof GatewayError && (code === undefined || error.code === code);
  }
}

/**
 * The error for a store that failed under an operation: a GatewayError passes through unchanged;
 * anything else becomes a retriable STORAGE_UNAVAILABLE naming what was being done and why it failed.
 */
export function storageUnavailable(message: string, cause: unknown): GatewayError {
  if (GatewayError.is(cause)) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new GatewayError('STORAGE_UNAVAILABLE', `${message}: ${reason}`, { retriable: true, cause });
}
