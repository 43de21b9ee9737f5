/**
 * The one error type geomesh throws on purpose. Callers branch on `code`, never on message text.
 * Vendor errors are translated once, at their adapter, and kept as `cause`.
 */
import { ERROR_CODES, type ErrorCode } from './error-codes.ts';

/** Structured context of an error: where it happened, never a secret. */
export interface ErrorDetails {
  region?: string;
  topic?: string;
  partition?: number;
  offset?: string;
  file?: string;
  line?: number;
  column?: number;
  [key: string]: string | number | boolean | undefined;
}

export interface GeomeshErrorOptions {
  /** Whether the same call may succeed if tried again later. Defaults to the code's catalogue entry. */
  retryable?: boolean;
  cause?: unknown;
  details?: ErrorDetails;
}

export class GeomeshError extends Error {
  override readonly name = 'GeomeshError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<ErrorDetails>;

  constructor(code: ErrorCode, message: string, options: GeomeshErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.details = Object.freeze({ ...options.details });
  }

  /** A plain object for structured logs and `--json` output. */
  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

/** True when `err` is a GeomeshError, optionally with the given code. */
export function isGeomeshError(err: unknown, code?: ErrorCode): err is GeomeshError {
  return err instanceof GeomeshError && (code === undefined || err.code === code);
}
