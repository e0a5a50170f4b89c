import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';

/** How a DocumentCache parses and validates, and how much it keeps. */
export interface DocumentCacheOptions {
  /** The schema operations are validated against. Required. */
  schema: GraphQLSchema;
  /** Parses a text; throws a GraphQLError on a syntax error or a limit (e.g. tokens). Required. */
  parse: (text: string) => DocumentNode;
  /** Validates a document against `schema` with the server's rules. Required. */
  validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
  /** Characters of operation text kept in all; default 4,000,000. */
  maxChars?: number;
}

/** The error as it is, with a contract code unless it has one. */
export function withCode(err: GraphQLError, code: string): GraphQLError {
  if (err.extensions?.code) return err;
  return new GraphQLError(err.message, {
    nodes: err.nodes,
    source: err.source,
    positions: err.positions,
    extensions: { ...err.extensions, code },
  });
}

/**
 * Operation texts parsed and validated once per server: a dashboard opens the same subscription
 * thousands of times, and graphql-ws would parse and validate each, on the gateway and again on
 * the subgraph (a third of the CPU of a subscribe). Only texts that passed are kept, so a caller
 * sending bad or ever-new texts gets the same errors and takes no room for long (least recently
 * used go first). The result is the document, or the errors with their codes.
 */
export function documentCache(opts: DocumentCacheOptions): (text: string) => DocumentNode | GraphQLError[] {
  const { schema, parse, validate } = opts;
  const kept = new LRUCache<string, DocumentNode>({
    maxSize: opts.maxChars ?? 4_000_000,
    sizeCalculation: (_, text) => text.length + 1,
  });
  return (text) => {
    const hit = kept.get(text);
    if (hit) return hit;
    let document: DocumentNode;
    try {
      document = parse(text);
    } catch (err) {
      const e = err instanceof GraphQLError ? err : new GraphQLError(String(err));
      return [withCode(e, 'GRAPHQL_PARSE_FAILED')];
    }
    const invalid = validate(schema, document);
    if (invalid.length) return invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
    kept.set(text, document);
    return document;
  };
}
