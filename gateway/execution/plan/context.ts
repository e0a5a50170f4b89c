import type { FetchDataKeyRenamer } from '@apollo/query-planner';
import type { GraphQLSchema } from 'graphql';
import { isObjectOfType, typeConditionOf } from './rewrites';
import { own } from './shape';

/**
 * @context / @fromContext (federation 2.8): a subgraph field's argument takes its value from a
 * field of an enclosing object of the answer (the type marked `@context`). The planner declares
 * such an argument as a variable of the fetch (`$contextualArgument_<subgraph>_<n>`) and says in
 * the fetch's `contextRewrites` where each entity's value is: a KeyRenamer whose `path` starts with
 * one `..` per field to go up from the entity (list indices do not count), then `... on T`
 * conditions and field names down to the value, and whose `renameKeyTo` is the variable. Several
 * renamers may name one variable (one per type of a union or interface context): the first that
 * finds a value gives it. A value not found leaves the variable unset (the subgraph sees null), a
 * null found is sent as null: what Apollo Router does.
 */

/** A position in the answer: field names and list indices. */
export type Path = (string | number)[];

const UP = '..';

/** One renamer read once: how many fields up, then the steps down to the value. */
interface ContextRead {
  variable: string;
  up: number;
  steps: readonly string[];
}

/** The entities of one fetch that get the same contextual values: sent together. */
export interface ContextGroup {
  entities: unknown[];
  /** Each entity's position in the answer, for the errors the subgraph reports on it. */
  paths: Path[];
  /** The contextual variables found for these entities (unset when not found). */
  variables: Record<string, unknown>;
}

/** An entity where a plan's Flatten path leads, with the objects that hold each field on the way. */
interface Located {
  value: unknown;
  path: Path;
  /** holders[i] is the object the path's i-th field was read from: `..` n times is holders[length - n]. */
  holders: unknown[];
}

const NO_VARIABLES: ReadonlySet<string> = new Set();
const readsByRewrites = new WeakMap<readonly FetchDataKeyRenamer[], ContextRead[]>();
const namesByRewrites = new WeakMap<readonly FetchDataKeyRenamer[], ReadonlySet<string>>();

/** The variables a fetch's contextual arguments use: the gateway sets them, a client's never reach the subgraph. */
export function contextVariables(rewrites: readonly FetchDataKeyRenamer[] | undefined): ReadonlySet<string> {
  if (!rewrites?.length) return NO_VARIABLES;
  let names = namesByRewrites.get(rewrites);
  if (!names) namesByRewrites.set(rewrites, (names = new Set(rewrites.map((r) => r.renameKeyTo))));
  return names;
}

/**
 * The entities at `path` in the answer (non-null ones, in the order the executor flattens them),
 * grouped by the contextual values each one's position gives, groups in order of first entity.
 */
export function contextGroups(
  schema: GraphQLSchema,
  rewrites: readonly FetchDataKeyRenamer[],
  data: unknown,
  path: readonly (string | number)[],
): ContextGroup[] {
  const reads = readsOf(rewrites);
  const names = [...contextVariables(rewrites)];
  const located: Located[] = [];
  locate(data, path, 0, [], [], located);
  const groups = new Map<string, ContextGroup>();
  for (const entity of located) {
    const found = new Map<string, unknown>();
    for (const read of reads) {
      if (found.has(read.variable)) continue;
      const value = readContext(schema, entity, read);
      if (value) found.set(read.variable, value.found);
    }
    // Unset and null differ: [] against [null].
    const key = JSON.stringify(names.map((n) => (found.has(n) ? [found.get(n)] : [])));
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { entities: [], paths: [], variables: Object.fromEntries(found) }));
    group.entities.push(entity.value);
    group.paths.push(entity.path);
  }
  return [...groups.values()];
}

function readsOf(rewrites: readonly FetchDataKeyRenamer[]): ContextRead[] {
  let reads = readsByRewrites.get(rewrites);
  if (!reads) {
    reads = rewrites.map(({ path, renameKeyTo }) => {
      let up = 0;
      while (path[up] === UP) up++;
      return { variable: renameKeyTo, up, steps: path.slice(up) };
    });
    readsByRewrites.set(rewrites, reads);
  }
  return reads;
}

/** Walks a Flatten path (`@` for each element of a list), as the executor's flatten does. */
function locate(
  value: unknown,
  path: readonly (string | number)[],
  at: number,
  position: Path,
  holders: unknown[],
  out: Located[],
): void {
  if (value === null || value === undefined) return;
  const head = path[at];
  if (Array.isArray(value) && (head === undefined || head === '@')) {
    const next = head === undefined ? at : at + 1;
    value.forEach((element: unknown, i) => {
      position.push(i);
      locate(element, path, next, position, holders, out);
      position.pop();
    });
  } else if (head === undefined) {
    out.push({ value, path: position.slice(), holders: holders.slice() });
  } else if (head !== '@' && typeof value === 'object' && !Array.isArray(value)) {
    position.push(head);
    holders.push(value);
    locate(own(value as Record<string, unknown>, String(head)), path, at + 1, position, holders, out);
    position.pop();
    holders.pop();
  }
}

/** The value one renamer reads for an entity, boxed (it may be null), or undefined when there is none. */
function readContext(schema: GraphQLSchema, entity: Located, read: ContextRead): { found: unknown } | undefined {
  if (read.up > entity.holders.length) return undefined;
  const from = read.up === 0 ? entity.value : entity.holders[entity.holders.length - read.up];
  return select(schema, from, read.steps, 0);
}

/** Follows `... on T` and field steps; through a list, the last element that has a value gives it (as the Router). */
function select(
  schema: GraphQLSchema,
  value: unknown,
  steps: readonly string[],
  at: number,
): { found: unknown } | undefined {
  if (at === steps.length) return { found: value };
  if (Array.isArray(value)) {
    let last: { found: unknown } | undefined;
    for (const element of value) last = select(schema, element, steps, at) ?? last;
    return last;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const obj = value as Record<string, unknown>;
  const step = steps[at]!;
  const condition = typeConditionOf(step);
  if (condition !== undefined)
    return isObjectOfType(schema, obj, condition, true) ? select(schema, obj, steps, at + 1) : undefined;
  const next = own(obj, step);
  return next === undefined ? undefined : select(schema, next, steps, at + 1);
}
