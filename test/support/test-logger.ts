/** Tests log nothing unless GEOMESH_TEST_LOG names a level (e.g. `info`), then JSON lines go to stderr. */
import { createLogger, silentLogger, type Logger } from '../../node/log/index.ts';

export function testLogger(): Logger {
  const level = process.env['GEOMESH_TEST_LOG'];
  return level ? createLogger({ level, destination: process.stderr }) : silentLogger();
}
