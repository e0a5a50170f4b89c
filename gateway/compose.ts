import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUBGRAPHS } from './execution/subgraph-list';

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
