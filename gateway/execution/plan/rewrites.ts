import type { FetchDataRewrite } from '@apollo/query-planner';
import type { GraphQLSchema } from 'graphql';
import { isSubtype, own } from './shape';

const ON = '... on ';

/** The type a step of a planner's path names (`... on T`: `T`); undefined for a field name. */
export function typeConditionOf(step: string): string | undefined {
  return step.startsWith(ON) ? step.slice(ON.length) : undefined;
}

/**
 * The planner's rewrites of a fetch's input (representations) and output (entities): set a value
 * (an interface object's `__typename`) or rename a key (an alias the planner gave a field), at a
 * path of field names and `... on Type` conditions.
 */
export function applyRewrites(
  schema: GraphQLSchema,
  rewrites: readonly FetchDataRewrite[] | undefined,
  value: unknown,
): void {
  if (!rewrites) return;
  for (const rewrite of rewrites) {
    const { path } = rewrite;
    if (path.length === 0) continue;
    const field = path[path.length - 1]!;
    if (typeConditionOf(field) !== undefined)
      throw new Error(`Unexpected fragment as last element of ${path.join(',')}`);
    const apply =
      rewrite.kind === 'ValueSetter'
        ? (obj: Record<string, unknown>) => setOwn(obj, field, rewrite.setValueTo)
        : (obj: Record<string, unknown>) => {
            const found = own(obj, field);
            if (found) {
              setOwn(obj, rewrite.renameKeyTo, found);
              obj[field] = undefined;
            }
          };
    applyAt(schema, path, 0, path.length - 1, value, apply);
  }
}

function applyAt(
  schema: GraphQLSchema,
  path: readonly string[],
  from: number,
  to: number,
  value: unknown,
  apply: (obj: Record<string, unknown>) => void,
): void {
  if (Array.isArray(value)) {
    for (const v of value) applyAt(schema, path, from, to, v, apply);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const obj = value as Record<string, unknown>;
  if (from === to) {
    apply(obj);
    return;
  }
  const step = path[from]!;
  const condition = typeConditionOf(step);
  if (condition === undefined) applyAt(schema, path, from + 1, to, own(obj, step), apply);
  else if (isObjectOfType(schema, obj, condition, true)) applyAt(schema, path, from + 1, to, obj, apply);
}

function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Whether an answer's object is of `condition` by its `__typename` (unknown without one: `otherwise`). */
export function isObjectOfType(
  schema: GraphQLSchema,
  obj: Record<string, unknown>,
  condition: string,
  otherwise = false,
): boolean {
  const typename = obj.__typename;
  if (!typename) return otherwise;
  if (typename === condition) return true;
  const type = schema.getType(String(typename));
  const conditional = schema.getType(condition);
  return !!type && !!conditional && isSubtype(schema, conditional, type);
}
