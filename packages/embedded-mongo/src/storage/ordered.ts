import { asRegExp } from '../query/regex';
import { compareValues, isPlainObject, type Value } from '../query/values';

interface Entry {
  v: Value;
  id: string;
}

function compareEntries(a: Entry, b: Entry): number {
  return compareValues(a.v, b.v) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The ids under one equality prefix of an index, kept sorted by the index's next field, so a
 * query that pins the prefix and sorts by that field reads documents in order and stops at its
 * limit instead of reading every document under the prefix.
 */
export class SortedIds {
  private readonly entries: Entry[] = [];

  get size(): number {
    return this.entries.length;
  }

  /** First position whose entry is not before `e`. */
  private position(e: Entry): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEntries(this.entries[mid]!, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First position whose value is at least `v` (`after`: greater than `v`). */
  private bound(v: Value, after: boolean): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareValues(this.entries[mid]!.v, v);
      if (c < 0 || (after && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(v: Value, id: string): void {
    const e = { v, id };
    this.entries.splice(this.position(e), 0, e);
  }

  remove(v: Value, id: string): void {
    const i = this.position({ v, id });
    if (this.entries[i]?.id === id) this.entries.splice(i, 1);
  }

  /**
   * Ids in value order (`dir` -1: descending), narrowed by the range operators of `cond` when it
   * has them. The caller still applies the whole filter: narrowing only skips entries that cannot
   * match (a range operator matches only values of the bound's own type, which sort beside it).
   */
  *scan(cond: Value, dir: 1 | -1): Generator<string> {
    let lo = 0;
    let hi = this.entries.length;
    if (isPlainObject(cond)) {
      for (const [op, bound] of Object.entries(cond)) {
        if (!narrowable(bound)) continue;
        if (op === '$gt') lo = Math.max(lo, this.bound(bound, true));
        else if (op === '$gte') lo = Math.max(lo, this.bound(bound, false));
        else if (op === '$lt') hi = Math.min(hi, this.bound(bound, false));
        else if (op === '$lte') hi = Math.min(hi, this.bound(bound, true));
      }
    }
    if (dir === 1) for (let i = lo; i < hi; i++) yield this.entries[i]!.id;
    else for (let i = hi - 1; i >= lo; i--) yield this.entries[i]!.id;
  }
}

/** Bounds whose comparison is a plain value order (not null, arrays, documents or regexes, which have rules of their own). */
function narrowable(v: Value): boolean {
  return v !== null && v !== undefined && !Array.isArray(v) && !isPlainObject(v) && !asRegExp(v);
}
