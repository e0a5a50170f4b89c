import { ObjectId } from 'bson';
import { CODES, ServerError } from '../errors';
import { isNumeric, toNumber } from '../query/numeric';
import { compileProjection } from '../query/projection';
import { parseSort, sortDocs } from '../query/sort';
import { isPlainObject, type Doc } from '../query/values';
import { checkHint, isView, matching, opOptions, optionalDoc, targetName } from './common';
import type { Handler } from './context';
import { runUpdate, writeError, type UpdateSpec } from './write-core';

function list(cmd: Doc, field: string, command: string): Doc[] {
  const v = cmd[field];
  if (!Array.isArray(v))
    throw new ServerError(CODES.TypeMismatch, `BSON field '${command}.${field}' is missing or not an array`);
  if (v.length === 0)
    throw new ServerError(CODES.InvalidLength, `Write batch sizes must be between 1 and 100000. Got 0 operations.`);
  return v as Doc[];
}

function refuseView(ctx: Parameters<Handler>[1], name: string): void {
  if (isView(ctx.store.collection(ctx.db, name)))
    throw new ServerError(166, `Namespace ${ctx.db}.${name} is a view, not a collection`);
}

/** Runs each statement; ordered batches stop at the first error, unordered ones go on. */
function eachStatement(items: Doc[], ordered: boolean, run: (item: Doc) => void): Doc[] {
  const errors: Doc[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      run(items[i]!);
    } catch (err) {
      errors.push(writeError(i, err));
      if (ordered) break;
    }
  }
  return errors;
}

const UPDATE_FIELDS = new Set([
  'q',
  'u',
  'c',
  'upsert',
  'multi',
  'arrayFilters',
  'collation',
  'hint',
  'upsertSupplied',
]);
const DELETE_FIELDS = new Set(['q', 'limit', 'collation', 'hint']);

/** MongoDB 7.0 refuses statement fields it does not know (e.g. 8.0's `sort` on updates). */
function checkFields(stmt: Doc, allowed: Set<string>, where: string): void {
  for (const k of Object.keys(stmt)) {
    if (!allowed.has(k)) throw new ServerError(40415, `BSON field '${where}.${k}' is an unknown field.`);
  }
}

function reply(base: Doc, errors: Doc[]): Doc {
  return errors.length ? { ...base, writeErrors: errors, ok: 1 } : { ...base, ok: 1 };
}

const insert: Handler = (cmd, ctx) => {
  const name = targetName(cmd, 'insert');
  refuseView(ctx, name);
  const docs = list(cmd, 'documents', 'insert');
  let n = 0;
  const errors = eachStatement(docs, cmd.ordered !== false, (doc) => {
    if (!isPlainObject(doc)) throw new ServerError(CODES.TypeMismatch, 'each document to insert must be an object');
    const stored = doc._id === undefined ? { _id: new ObjectId(), ...doc } : doc;
    ctx.store.collection(ctx.db, name, true)!.insert(stored);
    n++;
  });
  return reply({ n }, errors);
};

const update: Handler = (cmd, ctx) => {
  const name = targetName(cmd, 'update');
  refuseView(ctx, name);
  const updates = list(cmd, 'updates', 'update');
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  let index = 0;
  const errors = eachStatement(updates, cmd.ordered !== false, (u) => {
    const i = index++;
    if (!isPlainObject(u)) throw new ServerError(CODES.TypeMismatch, 'each update must be an object');
    checkFields(u, UPDATE_FIELDS, 'update.updates');
    const spec: UpdateSpec = {
      q: u.q as Doc,
      u: u.u as Doc,
      upsert: u.upsert === true,
      multi: u.multi === true,
      arrayFilters: u.arrayFilters,
      collation: u.collation,
      hint: u.hint,
    };
    const out = runUpdate(ctx, name, spec, cmd.let);
    n += out.matched;
    nModified += out.modified;
    if (out.upsertedId !== undefined) {
      n++;
      upserted.push({ index: i, _id: out.upsertedId });
    }
  });
  return reply({ n, nModified, ...(upserted.length ? { upserted } : {}) }, errors);
};

const del: Handler = (cmd, ctx) => {
  const name = targetName(cmd, 'delete');
  refuseView(ctx, name);
  const deletes = list(cmd, 'deletes', 'delete');
  let n = 0;
  const errors = eachStatement(deletes, cmd.ordered !== false, (d) => {
    if (!isPlainObject(d) || !isPlainObject(d.q))
      throw new ServerError(CODES.TypeMismatch, "BSON field 'delete.deletes.q' is missing or not an object");
    checkFields(d, DELETE_FIELDS, 'delete.deletes');
    const limit = isNumeric(d.limit) ? toNumber(d.limit) : NaN;
    if (limit !== 0 && limit !== 1) {
      throw new ServerError(
        CODES.FailedToParse,
        `The limit field in delete objects must be 0 or 1. Got ${JSON.stringify(d.limit)}`,
      );
    }
    const coll = ctx.store.collection(ctx.db, name);
    checkHint(coll, d.hint);
    const { docs } = matching(coll, d.q, opOptions(d.collation, cmd.let));
    for (const doc of limit === 1 ? docs.slice(0, 1) : docs) {
      coll!.remove(doc);
      n++;
    }
  });
  return reply({ n }, errors);
};

const findAndModify: Handler = (cmd, ctx) => {
  const name = targetName(cmd, 'findAndModify');
  refuseView(ctx, name);
  const query = optionalDoc(cmd, 'query') ?? {};
  const remove = cmd.remove === true;
  const hasUpdate = cmd.update !== undefined;
  if (remove === hasUpdate)
    throw new ServerError(CODES.FailedToParse, 'Either an update or remove=true must be specified');
  if (remove && cmd.upsert === true)
    throw new ServerError(CODES.FailedToParse, 'Cannot specify both upsert=true and remove=true');
  if (remove && cmd.new === true)
    throw new ServerError(
      CODES.FailedToParse,
      'Cannot specify both new=true and remove=true; remove always returns the deleted document',
    );
  const fields = compileProjection(optionalDoc(cmd, 'fields'));
  const opts = opOptions(cmd.collation, cmd.let);
  const project = (d: Doc | undefined): Doc | null => (d ? (fields ? fields.apply(d) : d) : null);
  const coll = ctx.store.collection(ctx.db, name);
  checkHint(coll, cmd.hint);
  if (remove) {
    const { docs } = matching(coll, query, opts);
    const [doc] = sortDocs(docs, parseSort(optionalDoc(cmd, 'sort')), opts.strings);
    if (doc) coll!.remove(doc);
    return { lastErrorObject: { n: doc ? 1 : 0 }, value: project(doc), ok: 1 };
  }
  const spec: UpdateSpec = {
    q: query,
    u: cmd.update as Doc,
    upsert: cmd.upsert === true,
    multi: false,
    arrayFilters: cmd.arrayFilters,
    collation: cmd.collation,
    hint: cmd.hint,
    sort: optionalDoc(cmd, 'sort'),
  };
  const out = runUpdate(ctx, name, spec, cmd.let);
  const upserted = out.upsertedId !== undefined;
  const lastErrorObject: Doc = { n: out.matched + (upserted ? 1 : 0), updatedExisting: out.matched > 0 };
  if (upserted) lastErrorObject.upserted = out.upsertedId;
  const value = cmd.new === true ? out.after : out.before;
  return { lastErrorObject, value: project(value), ok: 1 };
};

export const writeCommands: Record<string, Handler> = { insert, update, delete: del, findAndModify };
