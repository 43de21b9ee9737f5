/**
 * What topology/ and node/ share: one error type with stable codes from one closed list, and `Secret`.
 * It imports nothing of either (eslint keeps it so).
 */
export {
  GeomeshError,
  isGeomeshError,
  type ErrorDetails,
  type GeomeshErrorOptions,
} from './geomesh-error.ts';
export { ERROR_CODES, type ErrorCode } from './error-codes.ts';
export { Secret } from './secret.ts';
