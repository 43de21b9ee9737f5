/** Writes topology/topology.schema.json from the topology schema. Run: node scripts/generate-topology-schema.ts */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { topologyJsonSchema } from '../topology/index.ts';

const target = fileURLToPath(new URL('../topology/topology.schema.json', import.meta.url));
const options = await prettier.resolveConfig(target);
writeFileSync(target, await prettier.format(topologyJsonSchema(), { ...options, filepath: target }));
console.log(`wrote ${target}`);
