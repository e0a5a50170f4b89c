import { Kind, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';

/**
 * True when the request only asks for the schema (__schema, __type, __typename), which a GraphQL
 * IDE or Apollo Studio may do before the user has pasted a token.
 */
export function isIntrospectionOnly(query: unknown, operationName?: unknown): boolean {
  if (typeof query !== 'string') return false;
  let doc: DocumentNode;
  try {
    doc = parse(query);
  } catch {
    return false;
  }
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = typeof operationName === 'string' ? ops.find((o) => o.name?.value === operationName) : ops[0];
  if (!op || op.operation !== 'query') return false;
  return op.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'));
}
