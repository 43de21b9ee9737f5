import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { topologyJsonSchema } from '../../../topology/index.ts';

describe('topology.schema.json', () => {
  it('is the one generated from the schema (run node scripts/generate-topology-schema.ts)', () => {
    const committed: unknown = JSON.parse(
      readFileSync(new URL('../../../topology/topology.schema.json', import.meta.url), 'utf8'),
    );
    assert.deepEqual(committed, JSON.parse(topologyJsonSchema()));
  });

  it('describes every field, rejects unknown keys and publishes defaults', () => {
    const schema = JSON.parse(topologyJsonSchema()) as Record<string, unknown>;
    const text = JSON.stringify(schema);
    assert.equal(schema['additionalProperties'], false);
    assert.match(text, /"maxBatchBytes":\{"description":"[^"]+","default":524288/);
    const missing: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const properties = (node as { properties?: Record<string, unknown> }).properties;
      for (const [key, value] of Object.entries(properties ?? {})) {
        if (typeof (value as { description?: unknown }).description !== 'string')
          missing.push(`${path}.${key}`);
      }
      for (const [key, value] of Object.entries(node)) walk(value, `${path}.${key}`);
    };
    walk(schema, '');
    assert.deepEqual(missing, []);
  });
});
