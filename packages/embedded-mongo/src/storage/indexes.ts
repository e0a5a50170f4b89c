import { CODES, ServerError } from '../errors';
import { compileFilter, isOperatorDoc, type Matcher } from '../query/match';
import { isNumeric, toNumber } from '../query/numeric';
import { someAtPath } from '../query/paths';
import { asRegExp } from '../query/regex';
import type { SortField } from '../query/sort';
import { hashKey, isPlainObject, type Doc, type Value } from '../query/values';
import { SortedIds } from './ordered';

/** An index as listIndexes reports it. */
export interface IndexSpec {
  v: number;
  key: Doc;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Doc;
  [opt: string]: unknown;
}

const SEP = '\u0001';
const MAX_LOOKUP_KEYS = 1000;

/**
 * A secondary index kept as hash maps, one per key prefix, so an equality on the leading fields
 * finds its documents without a scan. Ranges and sorts are answered by the caller's scan.
 */
/** Each key combination's prefixes as `width SEP prefix` entries: what a document is indexed under. */
function flatKeys(combos: string[][]): string[] {
  const flat: string[] = [];
  for (const combo of combos)
    for (let j = 0; j < combo.length; j++) flat.push(`${j}${SEP}${combo.slice(0, j + 1).join(SEP)}`);
  return flat;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class Index {
  readonly fields: string[][];
  private readonly prefixes: Map<string, Set<string>>[];
  private readonly partial: Matcher | null;
  /** Keys each document was indexed under, so an update removes exactly those. */
  private readonly keysOf = new Map<string, string[]>();
  /**
   * Per prefix width w (1..fields-1): the ids under each prefix sorted by field w, for sorted
   * reads with a limit. Kept while no document has an array or several values on an indexed field
   * (MongoDB's multikey): array sort keys follow rules an ordered list of scalars cannot.
   */
  private readonly ordered: Map<string, SortedIds>[];
  private readonly valuesOf = new Map<string, Value[]>();
  private multiKey = false;

  constructor(readonly spec: IndexSpec) {
    this.fields = Object.keys(spec.key).map((k) => k.split('.'));
    this.prefixes = this.fields.map(() => new Map());
    this.ordered = this.fields.slice(1).map(() => new Map());
    this.partial = spec.partialFilterExpression ? compileFilter(spec.partialFilterExpression) : null;
  }

  get name(): string {
    return this.spec.name;
  }
  get unique(): boolean {
    return this.spec.unique === true;
  }

  /** Every key combination (multikey on arrays), each as one string per field. */
  private keys(doc: Doc): string[][] | null {
    if (this.partial && !this.partial(doc)) return null;
    const perField = this.fields.map((parts) => {
      const out = new Set<string>();
      someAtPath(doc, parts, (v) => {
        if (!Array.isArray(v)) out.add(hashKey(v));
        return false;
      });
      return [...out];
    });
    if (this.spec.sparse && this.missingAll(doc)) return null;
    let combos: string[][] = [[]];
    for (const vals of perField) {
      const list = vals.length === 0 ? ['n'] : vals;
      combos = combos.flatMap((c) => list.map((v) => [...c, v]));
    }
    return combos;
  }

  private missingAll(doc: Doc): boolean {
    return this.fields.every((parts) => !someAtPath(doc, parts, (v) => v !== undefined, false));
  }

  /** Throws MongoDB's duplicate-key error if `doc` would collide with another document. */
  checkUnique(doc: Doc, id: string, ns: string): void {
    if (!this.unique) return;
    const combos = this.keys(doc);
    if (!combos) return;
    const full = this.prefixes[this.prefixes.length - 1]!;
    for (const combo of combos) {
      const holders = full.get(combo.join(SEP));
      if (holders && [...holders].some((h) => h !== id)) throw this.duplicate(doc, ns);
    }
  }

  private duplicate(doc: Doc, ns: string): ServerError {
    const keyValue: Doc = {};
    for (const parts of this.fields) {
      let found: Value = null;
      someAtPath(doc, parts, (v) => {
        if (v !== undefined && !Array.isArray(v)) {
          found = v;
          return true;
        }
        return false;
      });
      keyValue[parts.join('.')] = found;
    }
    const shown = Object.entries(keyValue)
      .map(([k, v]) => `${k}: ${display(v)}`)
      .join(', ');
    return new ServerError(
      CODES.DuplicateKey,
      `E11000 duplicate key error collection: ${ns} index: ${this.name} dup key: { ${shown} }`,
      {
        keyPattern: this.spec.key,
        keyValue,
      },
    );
  }

  add(doc: Doc, id: string): void {
    this.addKeys(doc, id, this.keys(doc));
  }

  /**
   * Re-indexes a changed document, touching nothing when its keys did not change: most updates
   * (a run's checkpoint, say) change fields no index holds, and removing and adding the same keys
   * cost as much as the update itself.
   */
  update(next: Doc, id: string): void {
    const combos = this.keys(next);
    const old = this.keysOf.get(id);
    if (combos === null ? old === undefined : old !== undefined && sameList(old, flatKeys(combos))) return;
    this.remove(id);
    this.addKeys(next, id, combos);
  }

  private addKeys(doc: Doc, id: string, combos: string[][] | null): void {
    if (!combos) return;
    const flat = flatKeys(combos);
    for (const entry of flat) {
      const cut = entry.indexOf(SEP);
      const j = Number(entry.slice(0, cut));
      const k = entry.slice(cut + 1);
      let set = this.prefixes[j]!.get(k);
      if (!set) this.prefixes[j]!.set(k, (set = new Set()));
      set.add(id);
    }
    this.keysOf.set(id, flat);
    this.addOrdered(doc, id, combos);
  }

  private addOrdered(doc: Doc, id: string, combos: string[][]): void {
    if (this.multiKey || this.ordered.length === 0) return;
    const values: Value[] = [];
    for (const parts of this.fields) {
      let n = 0;
      let value: Value = null;
      let array = false;
      someAtPath(doc, parts, (v) => {
        if (Array.isArray(v)) array = true;
        else if (v !== undefined) value = v;
        n++;
        return false;
      });
      if (array || n > 1 || combos.length !== 1) {
        this.multiKey = true;
        for (const m of this.ordered) m.clear();
        this.valuesOf.clear();
        return;
      }
      values.push(value);
    }
    const combo = combos[0]!;
    this.ordered.forEach((m, i) => {
      const k = combo.slice(0, i + 1).join(SEP);
      let sorted = m.get(k);
      if (!sorted) m.set(k, (sorted = new SortedIds()));
      sorted.add(values[i + 1], id);
    });
    this.valuesOf.set(id, values);
  }

  private removeOrdered(id: string): void {
    const values = this.valuesOf.get(id);
    if (!values) return;
    const prefix = values.map(hashKey);
    this.ordered.forEach((m, i) => {
      const k = prefix.slice(0, i + 1).join(SEP);
      const sorted = m.get(k);
      sorted?.remove(values[i + 1], id);
      if (sorted && sorted.size === 0) m.delete(k);
    });
    this.valuesOf.delete(id);
  }

  /**
   * Ids in the order of `sort` when the filter pins this index's leading fields to one value each
   * and `sort` is the next field: how a sort with a limit reads only the documents it returns.
   * Null when this index cannot give that order.
   */
  orderedScan(filter: Doc, sort: SortField[]): { ids: Iterable<string>; width: number } | null {
    if (this.partial || this.spec.sparse || this.multiKey || sort.length !== 1) return null;
    const prefix: string[] = [];
    for (const parts of this.fields.slice(0, -1)) {
      const vals = equalityKeys(filter[parts.join('.')]);
      if (!vals || vals.length !== 1) break;
      prefix.push(vals[0]!);
    }
    const w = prefix.length;
    const next = this.fields[w];
    if (w === 0 || !next || next.join('.') !== sort[0]!.parts.join('.')) return null;
    const sorted = this.ordered[w - 1]!.get(prefix.join(SEP));
    return { ids: sorted ? sorted.scan(filter[next.join('.')], sort[0]!.dir) : [], width: w };
  }

  remove(id: string): void {
    for (const entry of this.keysOf.get(id) ?? []) {
      const cut = entry.indexOf(SEP);
      const j = Number(entry.slice(0, cut));
      const k = entry.slice(cut + 1);
      const set = this.prefixes[j]!.get(k);
      set?.delete(id);
      if (set && set.size === 0) this.prefixes[j]!.delete(k);
    }
    this.keysOf.delete(id);
    this.removeOrdered(id);
  }

  /**
   * The sets of ids (the index's own, not copies) of documents whose leading index fields equal
   * the filter's equalities, with their total size, or null when the filter does not pin the first
   * field (or this is a partial/sparse index, which may omit matches). The planner asks every index
   * and reads only the one it picks: a copy here would cost every query the size of every index
   * prefix it pins (a tenant's whole collection for a tenantId-led index).
   */
  lookup(filter: Doc): { sets: ReadonlySet<string>[]; size: number; width: number } | null {
    if (this.partial || this.spec.sparse) return null;
    const values: string[][] = [];
    for (const parts of this.fields) {
      const vals = equalityKeys(filter[parts.join('.')]);
      if (!vals) break;
      values.push(vals);
    }
    if (values.length === 0) return null;
    let combos: string[][] = [[]];
    for (const vals of values) {
      combos = combos.flatMap((c) => vals.map((v) => [...c, v]));
      if (combos.length > MAX_LOOKUP_KEYS) return null;
    }
    const map = this.prefixes[values.length - 1]!;
    const sets: ReadonlySet<string>[] = [];
    let size = 0;
    for (const c of combos) {
      const set = map.get(c.join(SEP));
      if (set) {
        sets.push(set);
        size += set.size;
      }
    }
    return { sets, size, width: values.length };
  }

  clear(): void {
    for (const m of this.prefixes) m.clear();
    for (const m of this.ordered) m.clear();
    this.keysOf.clear();
    this.valuesOf.clear();
  }
}

/** Index keys an equality condition pins, or null when it is not a plain equality the index can answer. */
function equalityKeys(cond: Value): string[] | null {
  if (cond === undefined) return null;
  if (isOperatorDoc(cond)) {
    const ops = cond as Doc;
    const names = Object.keys(ops);
    if (names.length === 1 && names[0] === '$eq') return equalityKeys(ops.$eq);
    if (names.length === 1 && names[0] === '$in' && Array.isArray(ops.$in)) {
      const all: string[] = [];
      for (const v of ops.$in) {
        const k = equalityKeys(v);
        if (!k) return null;
        all.push(...k);
      }
      return all;
    }
    return null;
  }
  if (cond === null || Array.isArray(cond) || asRegExp(cond)) return null;
  if (isPlainObject(cond) && Object.keys(cond).some((k) => k.startsWith('$'))) return null;
  return [hashKey(cond)];
}

function display(v: Value): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (isNumeric(v)) return String(toNumber(v));
  if (v && typeof v === 'object' && (v as { _bsontype?: string })._bsontype === 'ObjectId')
    return `ObjectId('${String(v)}')`;
  return JSON.stringify(v) ?? 'null';
}
