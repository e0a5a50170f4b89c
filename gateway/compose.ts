import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse, type DocumentNode } from 'graphql';
import { SUBGRAPHS } from './execution/subgraph-list';

const ROOT = resolve(__dirname, '..');

/** Composes the supergraph SDL from every subgraph's schema.graphql; throws with composition's errors. */
export function composeSupergraph(root = ROOT): string {
  return composeSdl(
    SUBGRAPHS.map((s) => ({
      name: s.name,
      url: s.url,
      typeDefs: readFileSync(join(root, 'subgraphs', s.name, 'schema.graphql'), 'utf8'),
    })),
  );
}

/** The supergraph SDL of `subgraphs` (SDL text or parsed); throws with composition's errors. */
export function composeSdl(subgraphs: Array<{ name: string; url: string; typeDefs: string | DocumentNode }>): string {
  const result = composeServices(
    subgraphs.map((s) => ({ ...s, typeDefs: typeof s.typeDefs === 'string' ? parse(s.typeDefs) : s.typeDefs })),
  );
  if (result.errors) throw new Error(`composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  return result.supergraphSdl;
}
