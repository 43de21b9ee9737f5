/** Defensive readers of the raw document for the topology rules: a value of the wrong shape reads as undefined. */
export type Obj = Record<string, unknown>;

export const asObject = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
export const asArray = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);
export const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
