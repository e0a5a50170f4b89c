import { CODES, ServerError, toServerError } from '../errors';
import { runPipeline } from '../query/aggregate';
import { cloneValue } from '../query/clone';
import type { MatchState } from '../query/match';
import { parseSort, sortDocs } from '../query/sort';
import { applyUpdate } from '../query/update';
import { isOperatorUpdate, validateUpdate } from '../query/update-validate';
import { buildUpsert } from '../query/upsert';
import { isPlainObject, valuesEqual, type Doc } from '../query/values';
import { checkHint, matching, opOptions, pipelineContext, type OpOptions } from './common';
import type { CommandContext } from './context';

/** One update statement, as in the update command's `updates` and in findAndModify. */
export interface UpdateSpec {
  q: Doc;
  u: Doc | Doc[];
  upsert: boolean;
  multi: boolean;
  arrayFilters?: unknown;
  collation?: unknown;
  hint?: unknown;
  sort?: unknown;
}

export interface UpdateOutcome {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  before?: Doc;
  after?: Doc;
}

function pipelineUpdate(ctx: CommandContext, opts: OpOptions, stages: Doc[]) {
  const allowed = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);
  for (const s of stages) {
    const name = isPlainObject(s) ? Object.keys(s)[0] : undefined;
    if (!name || !allowed.has(name))
      throw new ServerError(CODES.InvalidOptions, `${name ?? 'stage'} is not allowed to be used within an update`);
  }
  return (doc: Doc): Doc => {
    const [out] = runPipeline([cloneValue(doc)], stages, pipelineContext(ctx, opts));
    if (!out) throw new ServerError(CODES.BadValue, 'update pipeline produced no document');
    return out;
  };
}

export function validateUpdateSpec(spec: UpdateSpec): void {
  if (!isPlainObject(spec.q))
    throw new ServerError(CODES.TypeMismatch, "BSON field 'q' is the wrong type, expected type 'object'");
  if (Array.isArray(spec.u)) return;
  if (!isPlainObject(spec.u))
    throw new ServerError(CODES.FailedToParse, "BSON field 'u' is the wrong type, expected an object or a pipeline");
  validateUpdate(spec.u);
  if (spec.multi && !isOperatorUpdate(spec.u))
    throw new ServerError(CODES.FailedToParse, 'multi update is not supported for replacement-style update');
}

/** Applies one update statement: to the first match (sorted if asked), every match, or an upsert. */
export function runUpdate(ctx: CommandContext, name: string, spec: UpdateSpec, letVars: unknown): UpdateOutcome {
  validateUpdateSpec(spec);
  const coll = ctx.store.collection(ctx.db, name);
  checkHint(coll, spec.hint);
  const opts = opOptions(spec.collation, letVars);
  const { docs: found, matcher } = matching(coll, spec.q, opts);
  const docs = spec.sort !== undefined ? sortDocs(found, parseSort(spec.sort), opts.strings) : found;
  const targets = spec.multi ? docs : docs.slice(0, 1);
  const pipeline = Array.isArray(spec.u) ? pipelineUpdate(ctx, opts, spec.u) : null;
  if (targets.length === 0) {
    if (!spec.upsert) return { matched: 0, modified: 0 };
    const doc = buildUpsert(spec.q, spec.u as Doc, { arrayFilters: spec.arrayFilters, strings: opts.strings }, (d) =>
      pipeline!(d),
    );
    ctx.store.collection(ctx.db, name, true)!.insert(doc);
    return { matched: 0, modified: 0, upsertedId: doc._id, after: doc };
  }
  let modified = 0;
  let before: Doc | undefined;
  let after: Doc | undefined;
  for (const doc of targets) {
    const state: MatchState = {};
    matcher(doc, state);
    let next: Doc;
    let changed: boolean;
    if (pipeline) {
      next = pipeline(doc);
      if (next._id === undefined) next = { _id: doc._id, ...next };
      if (!valuesEqual(next._id, doc._id))
        throw new ServerError(
          CODES.ImmutableField,
          "Performing an update on the path '_id' would modify the immutable field '_id'",
        );
      changed = !valuesEqual(next, doc);
    } else {
      ({ doc: next, modified: changed } = applyUpdate(doc, spec.u as Doc, {
        arrayFilters: spec.arrayFilters,
        match: state,
        strings: opts.strings,
      }));
    }
    if (changed) {
      coll!.replace(next);
      modified++;
    }
    before ??= doc;
    after ??= next;
  }
  return { matched: targets.length, modified, before, after };
}

/** A write error entry for the reply's writeErrors. */
export function writeError(index: number, err: unknown): Doc {
  const e = toServerError(err);
  return {
    index,
    code: e.code,
    codeName: e.codeName,
    errmsg: e.message,
    ...(e.extra.keyPattern ? { keyPattern: e.extra.keyPattern, keyValue: e.extra.keyValue } : {}),
  };
}
