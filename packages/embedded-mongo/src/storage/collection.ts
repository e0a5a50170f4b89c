import { CODES, ServerError } from '../errors';
import { compileFilter, type Matcher } from '../query/match';
import { hashKey, isPlainObject, type Doc } from '../query/values';
import type { SortField } from '../query/sort';
import { Index, type IndexSpec } from './indexes';

export interface Journal {
  record(entry: Doc): void;
  /** Index keys and documents read by queries, server-wide (serverStatus metrics.queryExecutor). */
  readonly scans?: ScanCounts;
}

export interface ScanCounts {
  scanned: number;
  scannedObjects: number;
}

interface Slot {
  doc: Doc;
  rid: number;
}

const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: '_id_', unique: true };

/**
 * One collection's documents in natural (insertion) order, with its indexes. Every mutation is
 * checked against unique indexes before anything changes and then journaled.
 */
export class Collection {
  private readonly slots = new Map<string, Slot>();
  readonly indexes = new Map<string, Index>();
  private nextRid = 1;
  private validator: Matcher | null = null;
  options: Doc;

  readonly db: string;
  readonly name: string;
  private readonly journal: Journal;

  /** `options` are the create command's (validator and the rest, kept for listCollections); `journal` records every change. */
  constructor(at: { db: string; name: string; options: Doc; journal: Journal }) {
    this.db = at.db;
    this.name = at.name;
    this.journal = at.journal;
    this.indexes.set('_id_', new Index(ID_INDEX));
    this.options = at.options;
    this.setOptions(at.options, false);
  }

  /** Applies create/collMod options; a query-style `validator` is enforced on every write. */
  setOptions(options: Doc, journal = true): void {
    const validator = options.validator;
    const active =
      isPlainObject(validator) &&
      Object.keys(validator).length > 0 &&
      options.validationLevel !== 'off' &&
      options.validationAction !== 'warn';
    this.validator = active ? compileFilter(validator) : null;
    this.options = options;
    if (journal) this.journal.record({ op: 'options', db: this.db, coll: this.name, options });
  }

  private validate(doc: Doc): void {
    if (this.validator && !this.validator(doc)) {
      throw new ServerError(CODES.DocumentValidationFailure, 'Document failed validation', {
        errInfo: {
          failingDocumentId: doc._id,
          details: {
            operatorName: '$validator',
            reason: 'the document does not match the collection validator',
            validator: this.options.validator,
          },
        },
      });
    }
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }
  get size(): number {
    return this.slots.size;
  }

  /** Documents in natural order. */
  *all(): Iterable<Doc> {
    for (const s of this.slots.values()) yield s.doc;
  }

  /**
   * Documents that may match, through the index pinning the most leading fields (fewest ids on a
   * tie), else every document. `index` names the index used, for explain.
   */
  plan(filter: Doc | undefined, useIndexes = true): { docs: Doc[]; index: string | null } {
    let best: { sets: ReadonlySet<string>[]; size: number; width: number; name: string } | null = null;
    if (filter && useIndexes) {
      for (const index of this.indexes.values()) {
        const hit = index.lookup(filter);
        if (hit && (!best || hit.width > best.width || (hit.width === best.width && hit.size < best.size))) {
          best = { ...hit, name: index.name };
        }
      }
    }
    if (!best) {
      this.noteScan(0, this.slots.size);
      return { docs: [...this.all()], index: null };
    }
    // Only the chosen index's ids are read; a document under several keys (an array field) once.
    const ids = best.sets.length === 1 ? best.sets[0]! : new Set(best.sets.flatMap((set) => [...set]));
    const found: Slot[] = [];
    for (const id of ids) {
      const s = this.slots.get(id);
      if (s) found.push(s);
    }
    this.noteScan(ids.size, found.length);
    return { docs: found.sort((a, b) => a.rid - b.rid).map((s) => s.doc), index: best.name };
  }

  /**
   * The first `limit` documents matching `accept` in the order of `sort`, read in that order from
   * an index that pins the filter's leading equalities and continues with the sort field, so only
   * the documents up to the limit (and those the filter rejects on the way) are examined. Null
   * when no index gives that order.
   */
  orderedPlan(
    filter: Doc,
    sort: SortField[],
    limit: number,
    accept: (d: Doc) => boolean,
  ): { docs: Doc[]; examined: number; index: string } | null {
    let best: { ids: Iterable<string>; width: number; name: string } | null = null;
    for (const index of this.indexes.values()) {
      const hit = index.orderedScan(filter, sort);
      if (hit && (!best || hit.width > best.width)) best = { ...hit, name: index.name };
    }
    if (!best) return null;
    const docs: Doc[] = [];
    let examined = 0;
    for (const id of best.ids) {
      if (docs.length >= limit) break;
      const s = this.slots.get(id);
      if (!s) continue;
      examined++;
      if (accept(s.doc)) docs.push(s.doc);
    }
    this.noteScan(examined, examined);
    return { docs, examined, index: best.name };
  }

  /** Counts what a read examined, for serverStatus. */
  noteScan(keys: number, docs: number): void {
    const c = this.journal.scans;
    if (!c) return;
    c.scanned += keys;
    c.scannedObjects += docs;
  }

  getById(id: unknown): Doc | undefined {
    return this.slots.get(hashKey(id))?.doc;
  }

  insert(doc: Doc, journal = true): void {
    if (doc._id === undefined) throw new ServerError(CODES.InvalidIdField, 'document to insert has no _id');
    if (Array.isArray(doc._id)) throw new ServerError(CODES.InvalidIdField, `The '_id' value cannot be of type array`);
    if (isPlainObject(doc._id) && Object.keys(doc._id).some((k) => k.startsWith('$'))) {
      throw new ServerError(
        CODES.DollarPrefixedFieldName,
        `_id fields may not contain '$'-prefixed fields: ${Object.keys(doc._id)[0]} is not valid for storage.`,
      );
    }
    const id = hashKey(doc._id);
    if (journal) this.validate(doc);
    for (const index of this.indexes.values()) index.checkUnique(doc, this.slots.has(id) ? '' : id, this.ns);
    for (const index of this.indexes.values()) index.add(doc, id);
    this.slots.set(id, { doc, rid: this.nextRid++ });
    if (journal) this.journal.record({ op: 'put', db: this.db, coll: this.name, doc });
  }

  /** Replays a journaled write: insert or overwrite by _id, trusting what was checked when it was written. */
  restore(doc: Doc): void {
    const id = hashKey(doc._id);
    const slot = this.slots.get(id);
    for (const index of this.indexes.values()) {
      if (slot) index.update(doc, id);
      else index.add(doc, id);
    }
    if (slot) slot.doc = doc;
    else this.slots.set(id, { doc, rid: this.nextRid++ });
  }

  /** Replaces the stored document with the same _id. */
  replace(next: Doc): void {
    const id = hashKey(next._id);
    const slot = this.slots.get(id);
    if (!slot) throw new ServerError(CODES.InternalError, `no document with _id ${id} to replace`);
    this.validate(next);
    for (const index of this.indexes.values()) index.checkUnique(next, id, this.ns);
    for (const index of this.indexes.values()) index.update(next, id);
    slot.doc = next;
    this.journal.record({ op: 'put', db: this.db, coll: this.name, doc: next });
  }

  remove(doc: Doc, journal = true): void {
    const id = hashKey(doc._id);
    if (!this.slots.delete(id)) return;
    for (const index of this.indexes.values()) index.remove(id);
    if (journal) this.journal.record({ op: 'del', db: this.db, coll: this.name, id: doc._id });
  }

  /** Builds an index over existing documents; refuses (changing nothing) if they violate it. */
  createIndex(spec: IndexSpec, journal = true): void {
    const index = new Index(spec);
    for (const [id, slot] of this.slots) {
      index.checkUnique(slot.doc, id, this.ns);
      index.add(slot.doc, id);
    }
    this.indexes.set(spec.name, index);
    if (journal) this.journal.record({ op: 'index', db: this.db, coll: this.name, spec });
  }

  dropIndex(name: string, journal = true): void {
    this.indexes.delete(name);
    if (journal) this.journal.record({ op: 'dropIndex', db: this.db, coll: this.name, name });
  }

  clear(): void {
    this.slots.clear();
    for (const index of this.indexes.values()) index.clear();
  }
}
