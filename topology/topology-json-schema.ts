/**
 * The JSON Schema of topology files, generated from the zod schema so editors (yaml-language-server)
 * complete and check the same fields the validator does. Written to `topology/topology.schema.json` by
 * `scripts/generate-topology-schema.ts`; a unit test fails when the committed file is stale.
 */
import { z } from 'zod';
import { TopologySchema } from './topology-schema.ts';

/** URL-like identifier of the schema. */
export const TOPOLOGY_SCHEMA_ID = 'https://geomesh.dev/schemas/topology.schema.json';

/** The JSON Schema document as formatted text (2-space indent, trailing newline). */
export function topologyJsonSchema(): string {
  const schema = z.toJSONSchema(TopologySchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ $id: TOPOLOGY_SCHEMA_ID, ...schema }, null, 2)}\n`;
}
