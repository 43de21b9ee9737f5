/** Errors: one base type with stable codes from one closed list. */
export {
  GeomeshError,
  isGeomeshError,
  type ErrorDetails,
  type GeomeshErrorOptions,
} from './geomesh-error.ts';
export { ERROR_CODES, type ErrorCode } from './codes.ts';
