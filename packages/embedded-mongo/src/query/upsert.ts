import { ObjectId } from 'bson';
import { cloneValue } from './clone';
import { isOperatorDoc } from './match';
import { setPath } from './paths';
import { asRegExp } from './regex';
import { applyUpdate, type UpdateOptions } from './update';
import { isOperatorUpdate } from './update-validate';
import { isPlainObject, type Doc, type Value } from './values';

/** The equality fields of a filter, as the document an upsert starts from. */
export function seedFromFilter(filter: Doc, into: Doc = {}): Doc {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const sub of value) if (isPlainObject(sub)) seedFromFilter(sub, into);
      continue;
    }
    if (key.startsWith('$')) continue;
    let v: Value = value;
    if (isOperatorDoc(value)) {
      if (!('$eq' in (value as Doc))) continue;
      v = (value as Doc).$eq;
    }
    if (asRegExp(v)) continue;
    setPath(into, key.split('.'), cloneValue(v));
  }
  return into;
}

/** The document an upsert inserts: seeded from the filter, updated, with `_id` first. */
export function buildUpsert(filter: Doc, update: Doc, opts: UpdateOptions, applyPipeline: (doc: Doc) => Doc): Doc {
  let doc: Doc;
  if (Array.isArray(update)) doc = applyPipeline(seedFromFilter(filter));
  else if (isOperatorUpdate(update)) doc = applyUpdate(seedFromFilter(filter), update, { ...opts, insert: true }).doc;
  else {
    const seeded = seedFromFilter(filter);
    doc = { ...(seeded._id !== undefined ? { _id: seeded._id } : {}), ...cloneValue(update) };
  }
  const { _id, ...rest } = doc;
  return { _id: _id === undefined ? new ObjectId() : _id, ...rest };
}
