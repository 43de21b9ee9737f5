/**
 * fast-check arbitraries of record parts shared by the data path's property tests: bytes, header names that
 * are not identifiers (`__proto__`, empty, non-ASCII), and headers as a decoder makes them.
 */
import fc from 'fast-check';
import type { Headers } from '../../node/replication/index.ts';

export const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));

export const headerName = fc.oneof(
  fc.constantFrom('geomesh-origin', 'geomesh-origin-offset', '__proto__', 'constructor', 'ü-名前', ''),
  fc.string({ maxLength: 12 }),
);

/** Headers from name/value pairs as a decoder makes them: a repeated name's values in order, own properties. */
export function headersFrom(pairs: readonly (readonly [string, unknown])[]): Headers {
  const out: Headers = {};
  for (const [key, value] of pairs) {
    const current = Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined;
    const next = (
      current === undefined ? value : Array.isArray(current) ? [...current, value] : [current, value]
    ) as Headers[string];
    Object.defineProperty(out, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
