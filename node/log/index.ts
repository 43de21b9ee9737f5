/** Logging: pino, JSON lines, secrets redacted. */
export {
  createLogger,
  silentLogger,
  REDACTED_PATHS,
  type Logger,
  type LoggerOptionsInput,
} from './logger.ts';
