/**
 * Bridges kafkajs' own log output into the project's pino logger, one child per kafkajs namespace.
 */
import kafkajs, { type logCreator, type LogEntry } from 'kafkajs';
import type { Logger } from '../log/index.ts';

const { logLevel } = kafkajs;
type logLevel = (typeof logLevel)[keyof typeof logLevel];

/** kafkajs level → pino method. kafkajs INFO is chatty (joins, rebalances): kept at info. */
function pinoMethod(level: logLevel): 'error' | 'warn' | 'info' | 'debug' {
  switch (level) {
    case logLevel.ERROR:
    case logLevel.NOTHING:
      return 'error';
    case logLevel.WARN:
      return 'warn';
    case logLevel.INFO:
      return 'info';
    default:
      return 'debug';
  }
}

/** The kafkajs level matching the pino logger's current level. */
export function kafkaLogLevelFor(logger: Logger): logLevel {
  switch (logger.level) {
    case 'silent':
      return logLevel.NOTHING;
    case 'fatal':
    case 'error':
      return logLevel.ERROR;
    case 'warn':
      return logLevel.WARN;
    case 'info':
      return logLevel.INFO;
    default:
      return logLevel.DEBUG;
  }
}

/** A kafkajs `logCreator` writing into `logger` with `{ kafkajs: namespace }` bound. */
export function bridgeKafkaLogs(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      logger[pinoMethod(level)]({ kafkajs: namespace, ...fields }, message);
    };
}
