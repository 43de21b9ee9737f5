/**
 * Worker threads per region node in end-to-end tests: `GEOMESH_E2E_WORKERS` (default 1, the data path on the
 * main thread), so the same cases run with the data path spread over threads:
 * `GEOMESH_E2E_WORKERS=2 node --test test/e2e/full-mesh.test.ts`.
 */
import { GeomeshError } from '../../base/index.ts';

function readWorkers(): number {
  const text = process.env['GEOMESH_E2E_WORKERS'] ?? '1';
  const workers = Number(text);
  if (!Number.isSafeInteger(workers) || workers < 1)
    throw new GeomeshError(
      'GEOMESH_CONFIG_INVALID',
      `GEOMESH_E2E_WORKERS must be a whole number ≥ 1 (worker threads per node), got "${text}"`,
    );
  return workers;
}

export const E2E_WORKERS = readWorkers();
