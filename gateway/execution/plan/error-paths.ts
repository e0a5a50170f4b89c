import { ERRORS, errorCodeDef } from '@apollo/federation-internals';
import type { FetchNode } from '@apollo/query-planner';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Path } from './context';
import { own } from './shape';

/**
 * Where a subgraph's error goes in the client's answer: its path there (an entity fetch's
 * `_entities.i.…` becomes the path of the entity the i-th representation stands for), the
 * subgraph's name, and its code kept, as Apollo's gateway reports them.
 */

/** Where a fetch's answer is merged: its path from the root (`@` for lists), and the whole answer. */
interface At {
  path: Path;
  full: unknown;
}

/** A subgraph's error with its path in the client's answer and the subgraph's name, its code kept. */
export function downstream(
  error: GraphQLFormattedError,
  serviceName: string,
  pathOf: (path: readonly (string | number)[] | undefined) => Path | undefined,
): GraphQLError {
  const message = error.message || `Error while fetching subquery from service "${serviceName}"`;
  const options = {
    originalError: error as Error,
    path: pathOf(error.path),
    extensions: { ...error.extensions, serviceName },
  };
  const known = errorCodeDef(error as GraphQLError);
  if (!known && error.extensions?.code) return new GraphQLError(message, options);
  return (known ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}

/** An entity fetch's error path `_entities.i.…` becomes the i-th entity's path in the answer. */
export function errorPaths(node: FetchNode, cursor: At) {
  let hydrated: Path[] | undefined;
  return (path: readonly (string | number)[] | undefined): Path | undefined => {
    if (node.requires && typeof path?.[1] === 'number') {
      if (!hydrated) hydrate([], cursor.path, cursor.full, (hydrated = []));
      return [...(hydrated[path[1]] ?? []), ...path.slice(2)];
    }
    return path ? [...cursor.path, ...path] : undefined;
  };
}

/** `_entities.i.…` as the path of the entity the i-th representation came from, positions known. */
export function entityPaths(node: FetchNode, cursor: At, paths: readonly Path[], positions: readonly number[]) {
  const otherwise = errorPaths(node, cursor);
  return (path: readonly (string | number)[] | undefined): Path | undefined => {
    if (typeof path?.[1] !== 'number') return otherwise(path);
    const at = positions[path[1]];
    return [...((at === undefined ? undefined : paths[at]) ?? []), ...path.slice(2)];
  };
}

function hydrate(parent: Path, path: readonly (string | number)[], data: unknown, out: Path[]): void {
  if (data === null || data === undefined) return;
  const head = path[0];
  if (head === undefined) {
    out.push(parent.slice());
  } else if (head === '@' || (typeof head === 'string' && Array.isArray(data))) {
    if (!Array.isArray(data)) return;
    const rest = head === '@' ? path.slice(1) : path;
    data.forEach((value, i) => {
      parent.push(i);
      hydrate(parent, rest, value, out);
      parent.pop();
    });
  } else if (typeof head === 'string') {
    const value = own(data as Record<string, unknown>, head);
    if (value === undefined) return;
    parent.push(head);
    hydrate(parent, path.slice(1), value, out);
    parent.pop();
  }
}
