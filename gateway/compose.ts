import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

/** The subgraphs and the URLs written into the committed supergraph (overridable at run time). */
export const SUBGRAPHS = [
  { name: 'tenant', url: 'http://127.0.0.1:4001/graphql' },
  { name: 'candidate', url: 'http://127.0.0.1:4002/graphql' },
  { name: 'job', url: 'http://127.0.0.1:4003/graphql' },
  { name: 'assessment', url: 'http://127.0.0.1:4004/graphql' },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

const ROOT = resolve(__dirname, '..');

/** Composes the supergraph SDL from every subgraph's schema.graphql; throws with composition's errors. */
export function composeSupergraph(root = ROOT): string {
  const result = composeServices(
    SUBGRAPHS.map((s) => ({
      name: s.name,
      url: s.url,
      typeDefs: parse(readFileSync(join(root, 'subgraphs', s.name, 'schema.graphql'), 'utf8')),
    })),
  );
  if (result.errors) throw new Error(`composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  return result.supergraphSdl;
}
