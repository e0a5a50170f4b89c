import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { composeSupergraph } from '../gateway/compose';

/** `npm run compose`: rewrites schema/supergraph.graphql from the subgraphs' schemas. */
const out = resolve(__dirname, '..', 'schema', 'supergraph.graphql');
try {
  writeFileSync(out, composeSupergraph());
  process.stdout.write(`wrote ${out}\n`);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
