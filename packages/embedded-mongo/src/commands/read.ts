import { Long } from 'bson';
import { CODES, ServerError } from '../errors';
import { runPipeline, splitWriteStage } from '../query/aggregate';
import { cloneValue } from '../query/clone';
import { compileFilter, type MatchState } from '../query/match';
import { isNumeric, toNumber } from '../query/numeric';
import { someAtPath } from '../query/paths';
import { compileProjection } from '../query/projection';
import { parseSort, sortDocs } from '../query/sort';
import { hashKey, isPlainObject, type Doc } from '../query/values';
import {
  checkHint,
  isView,
  matching,
  opOptions,
  optionalDoc,
  optionalInt,
  pipelineContext,
  pipelineSource,
  sortedMatching,
  sourceDocs,
  targetName,
} from './common';
import type { CommandContext, Handler } from './context';
import { writePipelineOutput } from './pipeline-write';

function batchSizeOf(v: unknown, field: string): number | undefined {
  const n = optionalInt({ [field]: v }, field);
  if (n !== undefined && n < 0)
    throw new ServerError(51024, `BSON field '${field}' value must be >= 0, actual value '${n}'`);
  return n;
}

/** The documents a filter selects, from a collection (indexed) or a view. */
function select(ctx: CommandContext, name: string, filter: Doc | undefined, opts: ReturnType<typeof opOptions>): Doc[] {
  const coll = ctx.store.collection(ctx.db, name);
  if (!isView(coll)) return matching(coll, filter, opts).docs;
  const m = compileFilter(filter ?? {}, { strings: opts.strings, variables: opts.variables });
  return sourceDocs(ctx, name).filter((d) => m(d));
}

const find: Handler = (cmd, ctx) => {
  const name = targetName(cmd, 'find');
  const opts = opOptions(cmd.collation, cmd.let);
  const filter = optionalDoc(cmd, 'filter');
  checkHint(ctx.store.collection(ctx.db, name), cmd.hint);
  const sort = parseSort(optionalDoc(cmd, 'sort'));
  const projection = compileProjection(optionalDoc(cmd, 'projection'), opts.strings, opts.variables);
  const skip = optionalInt(cmd, 'skip') ?? 0;
  const rawLimit = optionalInt(cmd, 'limit') ?? 0;
  if (skip < 0) throw new ServerError(51024, `BSON field 'skip' value must be >= 0, actual value '${skip}'`);
  if (rawLimit < 0) throw new ServerError(51024, `BSON field 'limit' value must be >= 0, actual value '${rawLimit}'`);
  const coll = ctx.store.collection(ctx.db, name);
  const sorted =
    rawLimit > 0 && coll && !isView(coll) ? sortedMatching(coll, filter, sort, skip + rawLimit, opts) : null;
  let docs = sorted
    ? sorted.docs.slice(skip)
    : sortDocs(select(ctx, name, filter, opts), sort, opts.strings).slice(skip);
  if (rawLimit > 0) docs = docs.slice(0, rawLimit);
  // Only a positional projection needs the filter's match state: run the filter again for it alone.
  const positional = projection?.positional
    ? compileFilter(filter ?? {}, { strings: opts.strings, variables: opts.variables })
    : null;
  const out = docs.map((d) => {
    if (!projection) return d;
    if (!positional) return projection.apply(d);
    const state: MatchState = {};
    positional(d, state);
    return projection.apply(d, state);
  });
  const single = cmd.singleBatch === true;
  return {
    cursor: ctx.cursors.first(`${ctx.db}.${name}`, out, batchSizeOf(cmd.batchSize, 'batchSize'), single),
    ok: 1,
  };
};

const getMore: Handler = (cmd, ctx) => {
  const id = cmd.getMore;
  if (!(id instanceof Long) && (id as { _bsontype?: string })?._bsontype !== 'Long') {
    throw new ServerError(CODES.TypeMismatch, "BSON field 'getMore.getMore' is the wrong type, expected type 'long'");
  }
  const coll = targetName(cmd, 'collection');
  return { cursor: ctx.cursors.more(`${ctx.db}.${coll}`, id as Long, batchSizeOf(cmd.batchSize, 'batchSize')), ok: 1 };
};

const killCursors: Handler = (cmd, ctx) => {
  targetName(cmd, 'killCursors');
  const ids = cmd.cursors;
  if (!Array.isArray(ids))
    throw new ServerError(CODES.TypeMismatch, "BSON field 'killCursors.cursors' is missing or not an array");
  const { killed, notFound } = ctx.cursors.kill(ids as Long[]);
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
};

const count: Handler = (cmd, ctx) => {
  const name = targetName(cmd, 'count');
  const opts = opOptions(cmd.collation, undefined);
  checkHint(ctx.store.collection(ctx.db, name), cmd.hint);
  const query = optionalDoc(cmd, 'query');
  const skip = optionalInt(cmd, 'skip') ?? 0;
  const limit = Math.abs(optionalInt(cmd, 'limit') ?? 0);
  const coll = ctx.store.collection(ctx.db, name);
  let n =
    (!query || Object.keys(query).length === 0) && !isView(coll)
      ? (coll?.size ?? 0)
      : select(ctx, name, query, opts).length;
  n = Math.max(0, n - Math.max(0, skip));
  if (limit > 0) n = Math.min(n, limit);
  return { n, ok: 1 };
};

const distinct: Handler = (cmd, ctx) => {
  const name = targetName(cmd, 'distinct');
  const key = cmd.key;
  if (typeof key !== 'string')
    throw new ServerError(CODES.TypeMismatch, "BSON field 'distinct.key' is missing or not a string");
  const opts = opOptions(cmd.collation, undefined);
  const docs = select(ctx, name, optionalDoc(cmd, 'query'), opts);
  const keys = new Set<string>();
  const values: unknown[] = [];
  const parts = key.split('.');
  for (const d of docs) {
    someAtPath(d, parts, (v) => {
      if (v === undefined || Array.isArray(v)) return false;
      if (!opts.simple && typeof v === 'string') {
        // Under a collation, strings that compare equal are one value (the first one seen).
        if (!values.some((x) => typeof x === 'string' && opts.strings(x, v) === 0)) values.push(v);
      } else if (!keys.has(hashKey(v))) {
        keys.add(hashKey(v));
        values.push(v);
      }
      return false;
    });
  }
  return { values, ok: 1 };
};

const aggregate: Handler = async (cmd, ctx) => {
  const target = cmd.aggregate;
  const dbLevel = isNumeric(target) && toNumber(target) === 1;
  const name = dbLevel ? '' : targetName(cmd, 'aggregate');
  if (!Array.isArray(cmd.pipeline))
    throw new ServerError(CODES.TypeMismatch, "'pipeline' option must be specified as an array");
  if (cmd.explain === true)
    throw new ServerError(CODES.IllegalOperation, 'explain is not supported by the embedded server');
  const cursorOpt = optionalDoc(cmd, 'cursor');
  if (!cursorOpt)
    throw new ServerError(
      CODES.FailedToParse,
      "The 'cursor' option is required, except for aggregate with the explain argument",
    );
  if (!dbLevel) checkHint(ctx.store.collection(ctx.db, name), cmd.hint);
  const opts = opOptions(cmd.collation, cmd.let);
  const { stages, write } = splitWriteStage(cmd.pipeline as Doc[]);
  const start = dbLevel ? { docs: [], rest: stages } : pipelineSource(ctx, name, stages, opts);
  const docs = runPipeline(start.docs.map(cloneValue), start.rest, pipelineContext(ctx, opts));
  if (write) {
    await writePipelineOutput(ctx, write, docs, opts);
    return { cursor: { firstBatch: [], id: Long.ZERO, ns: `${ctx.db}.${name || '$cmd.aggregate'}` }, ok: 1 };
  }
  for (const d of docs)
    if (!isPlainObject(d)) throw new ServerError(CODES.TypeMismatch, 'aggregate produced a non-document');
  return {
    cursor: ctx.cursors.first(
      `${ctx.db}.${name || '$cmd.aggregate'}`,
      docs,
      batchSizeOf(cursorOpt.batchSize, 'batchSize'),
    ),
    ok: 1,
  };
};

export const readCommands: Record<string, Handler> = { find, getMore, killCursors, count, distinct, aggregate };
