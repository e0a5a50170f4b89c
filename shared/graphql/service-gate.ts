import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, valueFromASTUntyped, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { errors } from '../errors';
import type { RequestContext } from './context';

/** Entity type → the fields a service token may select of it. */
export type ServiceReads = Readonly<Record<string, readonly string[]>>;

/**
 * Least privilege for service tokens (the worker's): a subgraph takes one only for a query whose
 * every root field is `_entities` (or `__typename`), over representations of the types it allows,
 * selecting only their allowed fields through inline fragments; anything else is FORBIDDEN
 * (HTTP 403) before a resolver runs. User tokens pass untouched.
 */
export function serviceGate(allowed: ServiceReads): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, request }) {
          let service: string | undefined;
          try {
            service = contextValue.principal().service;
          } catch {
            return; // no caller: the resolvers answer UNAUTHENTICATED
          }
          if (!service) return;
          const problem = refusal(operation, request.variables ?? {}, allowed);
          if (!problem) return;
          const may = Object.entries(allowed).map(([type, fields]) => `${type} { ${fields.join(' ')} }`);
          throw errors.forbidden(
            `expected a service token to read only ${may.length ? may.join(', ') : 'nothing'} through _entities here; received ${problem}`,
          );
        },
      };
    },
  };
}

function refusal(
  operation: OperationDefinitionNode | undefined,
  variables: Record<string, unknown>,
  allowed: ServiceReads,
): string | null {
  if (!operation || operation.operation !== 'query') return `a ${operation?.operation ?? 'missing'} operation`;
  for (const sel of operation.selectionSet.selections) {
    if (sel.kind !== Kind.FIELD) return 'a fragment at the root';
    if (sel.name.value === '__typename') continue;
    if (sel.name.value !== '_entities') return `the field ${sel.name.value}`;
    const arg = sel.arguments?.find((a) => a.name.value === 'representations');
    const reps = arg ? valueFromASTUntyped(arg.value, variables) : undefined;
    if (!Array.isArray(reps)) return '_entities without representations';
    for (const rep of reps) {
      const type = (rep as { __typename?: unknown } | null)?.__typename;
      if (typeof type !== 'string' || !Object.hasOwn(allowed, type)) return `a representation of ${String(type)}`;
    }
    const problem = sel.selectionSet ? selectionRefusal(sel.selectionSet, allowed) : null;
    if (problem) return problem;
  }
  return null;
}

/** Inside `_entities`: `... on <Type> { <allowed scalar fields> }` and `__typename`, nothing else. */
function selectionRefusal(set: SelectionSetNode, allowed: ServiceReads): string | null {
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD && sel.name.value === '__typename') continue;
    if (sel.kind !== Kind.INLINE_FRAGMENT || !sel.typeCondition) return 'a selection other than "... on <Type>"';
    const type = sel.typeCondition.name.value;
    const fields = Object.hasOwn(allowed, type) ? allowed[type]! : null;
    if (!fields) return `a selection on ${type}`;
    for (const f of sel.selectionSet.selections) {
      if (f.kind !== Kind.FIELD || f.selectionSet) return `a nested selection on ${type}`;
      if (f.name.value !== '__typename' && !fields.includes(f.name.value)) return `the field ${type}.${f.name.value}`;
    }
  }
  return null;
}
