/** Canonical JSON: object keys sorted at every level, no whitespace, so equal values give equal text. */
import { createHash } from 'node:crypto';

/**
 * `value` as canonical JSON: keys sorted, arrays in their order, fields that are `null` or undefined
 * dropped (in a topology, an absent optional field and `null` mean the same).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** SHA-256 of the canonical JSON, as lowercase hex. */
export function contentHash(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined && item !== null) out[key] = sortKeys(item);
    }
    return out;
  }
  return value;
}
