import { CODES, failedToParse, ServerError } from '../errors';
import { runPipeline, type PipelineContext } from '../query/aggregate';
import { collationCompare } from '../query/collation';
import { evaluate } from '../query/expressions';
import { compileFilter, type Matcher } from '../query/match';
import { parseSort, type SortField } from '../query/sort';
import { isNumeric, toNumber } from '../query/numeric';
import {
  binaryCompare,
  bsonTypeName,
  isPlainObject,
  valuesEqual,
  type Doc,
  type StringCompare,
  type Value,
} from '../query/values';
import type { Collection } from '../storage/collection';
import type { CommandContext } from './context';

/** The collection a command names in its first field. */
export function targetName(cmd: Doc, field: string): string {
  const name = cmd[field];
  if (typeof name !== 'string' || name === '') {
    throw new ServerError(
      CODES.InvalidNamespace,
      `collection name has invalid type ${bsonTypeName(name)}: '${field}' must name a collection`,
    );
  }
  return name;
}

export function optionalDoc(cmd: Doc, field: string): Doc | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v))
    throw new ServerError(
      CODES.TypeMismatch,
      `BSON field '${field}' is the wrong type '${typeof v}', expected type 'object'`,
    );
  return v;
}

export function optionalInt(cmd: Doc, field: string): number | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (!isNumeric(v))
    throw new ServerError(CODES.TypeMismatch, `BSON field '${field}' is the wrong type, expected a number`);
  const n = toNumber(v);
  if (!Number.isInteger(n)) throw failedToParse(`'${field}' must be a whole number, got ${n}`);
  return n;
}

export function stringsOf(collation: unknown): StringCompare {
  return collation === undefined ? binaryCompare : collationCompare(collation);
}

/** Per-operation options shared by reads and writes: collation and `let` variables. */
export interface OpOptions {
  strings: StringCompare;
  variables?: Doc;
  simple: boolean;
}

export function opOptions(collation: unknown, variables: unknown): OpOptions {
  const strings = stringsOf(collation);
  const raw = variables === undefined ? undefined : optionalDoc({ let: variables }, 'let');
  // `let` values are expressions ({ $literal: … }, { $rand: {} }), evaluated once per operation.
  const vars = raw && Object.keys(raw).length ? (evaluate(raw, {}) as Doc) : raw;
  return { strings, variables: vars, simple: strings === binaryCompare };
}

/** Refuses a hint that names no index of the collection, as MongoDB does. */
export function checkHint(coll: Collection | undefined, hint: Value): void {
  if (hint === undefined || hint === null) return;
  if (typeof hint === 'string') {
    if (coll && !coll.indexes.has(hint))
      throw new ServerError(
        CODES.BadValue,
        `error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index`,
      );
    return;
  }
  if (!isPlainObject(hint)) throw new ServerError(CODES.FailedToParse, 'hint must be a string or an object');
  if (Object.keys(hint).length === 0) return;
  if ('$natural' in hint) return;
  if (!coll) return;
  const found = [...coll.indexes.values()].some((i) => valuesEqual(i.spec.key, hint));
  if (!found)
    throw new ServerError(
      CODES.BadValue,
      `error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index`,
    );
}

/** Documents a read sees: a collection's, or a view's pipeline over its source. */
export function sourceDocs(ctx: CommandContext, name: string, depth = 0): Doc[] {
  const coll = ctx.store.collection(ctx.db, name);
  if (!coll) return [];
  const viewOn = coll.options.viewOn;
  if (typeof viewOn === 'string' && depth < 20) {
    return runPipeline(
      sourceDocs(ctx, viewOn, depth + 1),
      coll.options.pipeline ?? [],
      pipelineContext(ctx, { strings: binaryCompare, simple: true }),
    );
  }
  return [...coll.all()];
}

export function pipelineContext(ctx: CommandContext, opts: OpOptions): PipelineContext {
  return {
    resolve: (name) => {
      const docs = sourceDocs(ctx, name);
      ctx.store.collection(ctx.db, name)?.noteScan(0, docs.length);
      return docs;
    },
    source: (name, stages) => pipelineSource(ctx, name, stages, opts),
    strings: opts.strings,
    variables: opts.variables,
  };
}

/**
 * The documents a pipeline over a collection starts from, and the stages left to run on them: a
 * leading `$match` is answered through an index, and `$match` + `$sort` + `$limit` reads only
 * up to the limit when an index gives the sort order (as MongoDB's planner does).
 */
export function pipelineSource(
  ctx: CommandContext,
  name: string,
  stages: readonly Doc[],
  opts: OpOptions,
): { docs: Doc[]; rest: Doc[] } {
  const coll = ctx.store.collection(ctx.db, name);
  const filter = stages[0]?.$match;
  if (!coll || isView(coll) || !isPlainObject(filter)) {
    const docs = sourceDocs(ctx, name);
    coll?.noteScan(0, docs.length);
    return { docs, rest: [...stages] };
  }
  const sort = stages[1]?.$sort;
  const limit = stages[2]?.$limit;
  if (isPlainObject(sort) && isNumeric(limit) && Number.isInteger(toNumber(limit)) && toNumber(limit) > 0) {
    const sorted = sortedMatching(coll, filter, parseSort(sort), toNumber(limit), opts);
    if (sorted) return { docs: sorted.docs, rest: stages.slice(3) };
  }
  return { docs: matching(coll, filter, opts).docs, rest: stages.slice(1) };
}

/** Up to `limit` matching documents in sort order, read in that order from an index; null when none gives it. */
export function sortedMatching(
  coll: Collection,
  filter: Doc | undefined,
  sort: SortField[],
  limit: number,
  opts: OpOptions,
): Matching | null {
  if (!opts.simple || sort.length === 0) return null;
  const matcher = compileFilter(filter ?? {}, { strings: opts.strings, variables: opts.variables });
  const plan = coll.orderedPlan(filter ?? {}, sort, limit, (d) => matcher(d));
  return plan && { docs: plan.docs, matcher, examined: plan.examined, index: plan.index };
}

/** Documents of a collection matching a filter, through an index when the filter allows. */
export interface Matching {
  docs: Doc[];
  matcher: Matcher;
  examined: number;
  index: string | null;
}

export function matching(coll: Collection | undefined, filter: Doc | undefined, opts: OpOptions): Matching {
  const matcher = compileFilter(filter ?? {}, { strings: opts.strings, variables: opts.variables });
  if (!coll) return { docs: [], matcher, examined: 0, index: null };
  const plan = coll.plan(filter, opts.simple);
  return { docs: plan.docs.filter((d) => matcher(d)), matcher, examined: plan.docs.length, index: plan.index };
}

export function isView(coll: Collection | undefined): boolean {
  return typeof coll?.options.viewOn === 'string';
}
