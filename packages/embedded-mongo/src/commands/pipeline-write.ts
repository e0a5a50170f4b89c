import { ObjectId } from 'bson';
import { CODES, ServerError } from '../errors';
import type { PipelineWrite } from '../query/aggregate';
import { runPipeline } from '../query/aggregate';
import { getPath } from '../query/paths';
import { isPlainObject, valuesEqual, type Doc } from '../query/values';
import { pipelineContext, type OpOptions } from './common';
import type { CommandContext } from './context';

function target(spec: unknown, ctx: CommandContext, stage: string): { db: string; coll: string } {
  if (typeof spec === 'string') return { db: ctx.db, coll: spec };
  if (isPlainObject(spec) && typeof spec.coll === 'string')
    return { db: typeof spec.db === 'string' ? spec.db : ctx.db, coll: spec.coll };
  throw new ServerError(CODES.FailedToParse, `${stage} needs a collection name or { db, coll }`);
}

/** Performs a pipeline's final $out or $merge. */
export async function writePipelineOutput(
  ctx: CommandContext,
  write: PipelineWrite,
  docs: Doc[],
  opts: OpOptions,
): Promise<void> {
  const withIds = docs.map((d) => (d._id === undefined ? { _id: new ObjectId(), ...d } : d));
  if (write.stage === '$out') {
    const { db, coll } = target(write.spec, ctx, '$out');
    const old = ctx.store.collection(db, coll);
    const indexes = old ? [...old.indexes.values()].filter((i) => i.name !== '_id_').map((i) => i.spec) : [];
    // Build the replacement first so a duplicate key leaves the old collection untouched.
    const tmpName = `tmp.agg_out.${new ObjectId().toHexString()}`;
    const tmp = ctx.store.createCollection(db, tmpName, {});
    try {
      for (const spec of indexes) tmp.createIndex(spec);
      for (const d of withIds) tmp.insert(d);
    } catch (err) {
      ctx.store.dropCollection(db, tmpName);
      throw err;
    }
    ctx.store.dropCollection(db, tmpName);
    ctx.store.dropCollection(db, coll);
    const fresh = ctx.store.createCollection(db, coll, {});
    for (const spec of indexes) fresh.createIndex(spec);
    for (const d of withIds) fresh.insert(d);
    return;
  }
  const spec: Doc = typeof write.spec === 'string' ? { into: write.spec } : (write.spec as Doc);
  if (!isPlainObject(spec)) throw new ServerError(CODES.FailedToParse, '$merge needs an object or a collection name');
  const { db, coll } = target(spec.into, ctx, '$merge');
  const on = spec.on === undefined ? ['_id'] : Array.isArray(spec.on) ? (spec.on as string[]) : [spec.on as string];
  const whenMatched = spec.whenMatched ?? 'merge';
  const whenNotMatched = spec.whenNotMatched ?? 'insert';
  const out = ctx.store.collection(db, coll, true)!;
  for (const d of withIds) {
    const existing = [...out.all()].find((e) => on.every((f) => valuesEqual(getPath(e, f), getPath(d, f))));
    if (!existing) {
      if (whenNotMatched === 'insert') out.insert(d);
      else if (whenNotMatched === 'fail')
        throw new ServerError(13113, '$merge could not find a matching document in the target collection');
      continue;
    }
    if (whenMatched === 'keepExisting') continue;
    if (whenMatched === 'fail') {
      const keyValue = Object.fromEntries(on.map((f) => [f, getPath(d, f)]));
      throw new ServerError(
        CODES.DuplicateKey,
        `E11000 duplicate key error collection: ${db}.${coll} index: _id_ dup key: ${JSON.stringify(keyValue)} ($merge whenMatched: fail)`,
        {
          keyPattern: Object.fromEntries(on.map((f) => [f, 1])),
          keyValue,
        },
      );
    }
    let next: Doc;
    if (whenMatched === 'replace') next = { ...d, _id: existing._id };
    else if (whenMatched === 'merge') next = { ...existing, ...d, _id: existing._id };
    else if (Array.isArray(whenMatched)) {
      const vars = { ...(opts.variables ?? {}), new: d, ...(isPlainObject(spec.let) ? spec.let : {}) };
      next = {
        ...runPipeline([existing], whenMatched, { ...pipelineContext(ctx, opts), variables: vars })[0],
        _id: existing._id,
      };
    } else throw new ServerError(CODES.FailedToParse, `unsupported $merge whenMatched: ${JSON.stringify(whenMatched)}`);
    out.replace(next);
  }
}
