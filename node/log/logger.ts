/**
 * Structured JSON logging (pino). Components get a child bound to `{ component, region, instance }`.
 * Secret-looking fields are redacted at the root so no child can leak them.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Field paths whose values never reach a log line. */
export const REDACTED_PATHS: readonly string[] = [
  'password',
  '*.password',
  '*.*.password',
  'sasl.password',
  '*.sasl.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
];

export interface LoggerOptionsInput {
  /** pino level; default `info`, or `GEOMESH_LOG_LEVEL` when set. */
  level?: string;
  /** Where lines go; default stdout. */
  destination?: pino.DestinationStream;
  /** Fields bound to every line. */
  bindings?: Record<string, string | number>;
}

/** Creates the root logger of a process. */
export function createLogger(options: LoggerOptionsInput = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env['GEOMESH_LOG_LEVEL'] ?? 'info',
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    base: { ...options.bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** A logger that drops everything: for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
