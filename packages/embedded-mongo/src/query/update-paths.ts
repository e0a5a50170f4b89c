import { badValue, CODES, failedToParse, ServerError } from '../errors';
import { compileFilter, type Matcher, type MatchState } from './match';
import { isArrayIndex } from './paths';
import { isPlainObject, type Doc, type StringCompare, type Value } from './values';

/** Compiled arrayFilters, by identifier; `used` tracks identifiers the update referred to. */
export class ArrayFilters {
  private readonly filters = new Map<string, Matcher>();
  readonly used = new Set<string>();

  constructor(list: unknown, strings?: StringCompare) {
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) throw failedToParse('arrayFilters must be an array');
    for (const f of list) {
      if (!isPlainObject(f) || Object.keys(f).length === 0)
        throw failedToParse('Cannot use an expression without a top-level field name in arrayFilters');
      const ids = new Set(Object.keys(f).map((k) => k.split('.')[0]!));
      if (ids.size !== 1)
        throw failedToParse(
          `Error parsing array filter: expected a single top-level field name, found ${[...ids].join(', ')}`,
        );
      const id = [...ids][0]!;
      if (!/^[a-z][a-zA-Z0-9]*$/.test(id))
        throw badValue(
          `The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '${id}'`,
        );
      if (this.filters.has(id))
        throw failedToParse(`Found multiple array filters with the same top-level field name ${id}`);
      this.filters.set(id, compileFilter(f, { strings }));
    }
  }

  test(id: string, element: Value): boolean {
    const m = this.filters.get(id);
    if (!m) throw badValue(`No array filter found for identifier '${id}'`);
    this.used.add(id);
    return m({ [id]: element });
  }

  has(id: string): boolean {
    return this.filters.has(id);
  }

  /** MongoDB refuses filters the update never used. */
  checkAllUsed(): void {
    for (const id of this.filters.keys()) {
      if (!this.used.has(id)) throw failedToParse(`The array filter for identifier '${id}' was not used in the update`);
    }
  }
}

/**
 * Turns an update path with `$`, `$[]` and `$[id]` into the concrete paths it names in this document.
 */
export function expandUpdatePath(
  doc: Doc,
  path: string,
  filters: ArrayFilters,
  match: MatchState,
  insert: boolean,
): string[][] {
  const parts = path.split('.');
  if (!parts.some((p) => p === '$' || p.startsWith('$['))) return [parts];
  const out: string[][] = [];
  const walk = (value: Value, i: number, prefix: string[]): void => {
    if (i === parts.length) {
      out.push(prefix);
      return;
    }
    const part = parts[i]!;
    if (part === '$') {
      if (match.arrayIndex === undefined || insert) {
        throw new ServerError(CODES.BadValue, 'The positional operator did not find the match needed from the query.');
      }
      const next = Array.isArray(value) ? value[match.arrayIndex] : undefined;
      walk(next, i + 1, [...prefix, String(match.arrayIndex)]);
      return;
    }
    if (part.startsWith('$[')) {
      const id = part.slice(2, -1);
      if (id !== '' && !filters.has(id))
        throw badValue(`No array filter found for identifier '${id}' in path '${path}'`);
      if (id !== '') filters.used.add(id);
      if (!Array.isArray(value)) {
        if (insert && value === undefined) return;
        throw new ServerError(
          CODES.BadValue,
          `The path '${prefix.join('.')}' must exist in the document in order to apply array updates.`,
        );
      }
      value.forEach((el, k) => {
        if (id === '' || filters.test(id, el)) walk(el, i + 1, [...prefix, String(k)]);
      });
      return;
    }
    let next: Value;
    if (Array.isArray(value)) next = isArrayIndex(part) ? value[Number(part)] : undefined;
    else if (isPlainObject(value)) next = value[part];
    walk(next, i + 1, [...prefix, part]);
  };
  walk(doc, 0, []);
  return out;
}

/** Checks that no two update paths overlap (a and a.b), as MongoDB does before applying. */
export function checkConflicts(paths: string[]): void {
  const sorted = [...paths].sort();
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (a === b || b.startsWith(`${a}.`)) {
      throw new ServerError(
        CODES.ConflictingUpdateOperators,
        `Updating the path '${b}' would create a conflict at '${a}'`,
      );
    }
  }
}

/** MongoDB 5+ applies each operator's fields in lexicographic order (numeric parts numerically). */
export function orderedPaths(fields: Doc): string[] {
  return Object.keys(fields).sort((a, b) => {
    const pa = a.split('.');
    const pb = b.split('.');
    for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
      const x = pa[i]!;
      const y = pb[i]!;
      if (x === y) continue;
      if (isArrayIndex(x) && isArrayIndex(y)) return Number(x) - Number(y);
      return x < y ? -1 : 1;
    }
    return pa.length - pb.length;
  });
}
