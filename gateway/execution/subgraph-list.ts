/**
 * The subgraphs and the URLs written into the committed supergraph (overridable at run time).
 * A constant of its own so the running gateway knows the four names without loading
 * @apollo/composition, which only `npm run compose` (gateway/compose.ts) needs.
 */
export const SUBGRAPHS = [
  { name: 'tenant', url: 'http://127.0.0.1:4001/graphql' },
  { name: 'candidate', url: 'http://127.0.0.1:4002/graphql' },
  { name: 'job', url: 'http://127.0.0.1:4003/graphql' },
  { name: 'assessment', url: 'http://127.0.0.1:4004/graphql' },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];
