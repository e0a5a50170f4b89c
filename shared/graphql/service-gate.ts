import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, valueFromASTUntyped, type OperationDefinitionNode } from 'graphql';
import { errors } from '../errors';
import type { RequestContext } from './context';

/**
 * Least privilege for service tokens (the worker's): a subgraph takes one only for a query whose
 * every root field is `_entities` (or `__typename`) over representations of the types it allows;
 * anything else is FORBIDDEN (HTTP 403) before a resolver runs. User tokens pass untouched.
 */
export function serviceGate(allowed: readonly string[]): ApolloServerPlugin<RequestContext> {
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
          if (problem) {
            const err = errors.forbidden(
              `expected a service token to be used only to read ${allowed.length ? allowed.join(', ') : 'nothing'} through _entities here; received ${problem}`,
            );
            Object.assign(err.extensions, { http: { status: 403 } });
            throw err;
          }
        },
      };
    },
  };
}

function refusal(
  operation: OperationDefinitionNode | undefined,
  variables: Record<string, unknown>,
  allowed: readonly string[],
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
      if (typeof type !== 'string' || !allowed.includes(type)) return `a representation of ${String(type)}`;
    }
  }
  return null;
}
