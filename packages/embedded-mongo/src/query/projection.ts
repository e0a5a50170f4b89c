import { badValue, CODES, ServerError } from '../errors';
import { evaluate } from './expressions';
import { compileFilter, isOperatorDoc, type MatchState } from './match';
import { isNumeric, toNumber } from './numeric';
import { isPlainObject, type Doc, type StringCompare, type Value } from './values';

type Spec =
  | { kind: 'include' }
  | { kind: 'exclude' }
  | { kind: 'slice'; skip?: number; limit: number }
  | { kind: 'elemMatch'; test: (el: Value) => boolean }
  | { kind: 'positional' }
  | { kind: 'expr'; expr: Value };
interface Node {
  [field: string]: Node | Spec;
}

// The specs compileProjection placed in its tree: a field of a document may be named `kind` too, so
// a node is told from a spec by identity, with no per-document work.
const specs = new WeakSet<object>();

function isSpec(n: Node | Spec): n is Spec {
  return specs.has(n);
}

export interface Projection {
  apply(doc: Doc, state?: MatchState): Doc;
  /** True when the projection only keeps listed fields (plus _id). */
  inclusive: boolean;
  /** True when it has a positional `field.$`, which needs the query's match state of each document. */
  positional: boolean;
}

/** Compiles a find or $project projection. `aggregation` allows expressions without $literal rules of find. */
export function compileProjection(spec: unknown, strings?: StringCompare, variables?: Doc): Projection | null {
  if (spec === undefined || spec === null) return null;
  if (!isPlainObject(spec)) throw badValue('projection must be an object');
  const keys = Object.keys(spec);
  if (keys.length === 0) return null;
  const root: Node = {};
  let inclusive: boolean | null = null;
  let idSpec: Spec | null = null;
  for (const key of keys) {
    const v = spec[key];
    let s: Spec;
    if (isPlainObject(v) && '$slice' in v) {
      const sl = v.$slice;
      if (Array.isArray(sl)) {
        if (sl.length !== 2 || !sl.every(isNumeric)) throw badValue('$slice array argument must be [skip, limit]');
        const limit = toNumber(sl[1] as never);
        if (limit <= 0) throw badValue(`$slice limit must be positive, got ${limit}`);
        s = { kind: 'slice', skip: toNumber(sl[0] as never), limit };
      } else if (isNumeric(sl)) s = { kind: 'slice', limit: toNumber(sl) };
      else throw badValue('$slice only supports numbers and [skip, limit] arrays');
    } else if (isPlainObject(v) && '$elemMatch' in v) {
      const m = compileFilter(v.$elemMatch, { strings });
      s = { kind: 'elemMatch', test: (el) => isPlainObject(el) && m(el) };
      inclusive = inclusive ?? true;
    } else if (key.endsWith('.$')) {
      s = { kind: 'positional' };
      inclusive = inclusive ?? true;
    } else if (typeof v === 'boolean' || isNumeric(v)) {
      const on = typeof v === 'boolean' ? v : toNumber(v) !== 0;
      s = on ? { kind: 'include' } : { kind: 'exclude' };
      if (key === '_id') {
        idSpec = s;
        continue;
      }
      if (inclusive === null) inclusive = on;
      else if (inclusive !== on) {
        throw new ServerError(
          31254,
          `Cannot do ${on ? 'inclusion' : 'exclusion'} on field ${key} in ${inclusive ? 'inclusion' : 'exclusion'} projection`,
        );
      }
    } else {
      if (isPlainObject(v) && isOperatorDoc(v) && String(Object.keys(v)[0]) === '$meta')
        throw badValue('$meta projection is not supported');
      s = { kind: 'expr', expr: v };
      if (inclusive === false)
        throw new ServerError(31254, `Cannot use an expression for field ${key} in exclusion projection`);
      inclusive = true;
    }
    insert(root, key.replace(/\.\$$/, '').split('.'), s);
  }
  const incl = inclusive ?? idSpec?.kind === 'include';
  return {
    inclusive: incl,
    positional: keys.some((k) => k.endsWith('.$')),
    apply(doc, state = {}) {
      const out = incl ? include(doc, root, doc, state, variables) : exclude(doc, root, state);
      // _id first, as MongoDB answers; `out` holds it only under a dotted _id path.
      if (incl && idSpec?.kind !== 'exclude' && doc._id !== undefined)
        return '_id' in out ? { _id: doc._id, ...without(out, '_id') } : { _id: doc._id, ...out };
      if (!incl && idSpec?.kind === 'exclude') delete out._id;
      return out;
    },
  };
}

function without(d: Doc, key: string): Doc {
  const { [key]: _drop, ...rest } = d;
  void _drop;
  return rest;
}

function insert(root: Node, parts: string[], s: Spec): void {
  let node = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i]!];
    if (next && isSpec(next)) throw new ServerError(31250, `Path collision at ${parts.slice(0, i + 1).join('.')}`);
    node = (node[parts[i]!] ??= {}) as Node;
  }
  const last = parts[parts.length - 1]!;
  if (node[last] !== undefined) throw new ServerError(31250, `Path collision at ${parts.join('.')}`);
  specs.add(s);
  node[last] = s;
}

function applyLeaf(value: Value, s: Spec, state: MatchState, root: Doc, variables?: Doc): Value {
  switch (s.kind) {
    case 'slice': {
      if (!Array.isArray(value)) return value;
      if (s.skip === undefined) return s.limit >= 0 ? value.slice(0, s.limit) : value.slice(s.limit);
      const start = s.skip >= 0 ? s.skip : Math.max(0, value.length + s.skip);
      return value.slice(start, start + s.limit);
    }
    case 'elemMatch': {
      if (!Array.isArray(value)) return undefined;
      const el = value.find(s.test);
      return el === undefined ? undefined : [el];
    }
    case 'positional': {
      if (!Array.isArray(value)) return value;
      if (state.arrayIndex === undefined) {
        throw new ServerError(
          CODES.BadValue,
          'Executor error during find command: the positional operator did not find the match needed from the query',
        );
      }
      return value[state.arrayIndex] === undefined ? [] : [value[state.arrayIndex]];
    }
    case 'expr':
      return evaluate(s.expr, root, { variables });
    default:
      return value;
  }
}

function include(value: Doc, node: Node, root: Doc, state: MatchState, variables?: Doc): Doc {
  const out: Doc = {};
  for (const key of Object.keys(value)) {
    const n = node[key];
    if (n === undefined) continue;
    const v = value[key];
    if (isSpec(n)) {
      if (n.kind === 'exclude') continue;
      const r = n.kind === 'include' ? v : applyLeaf(v, n, state, root, variables);
      if (r !== undefined) out[key] = r;
    } else if (isPlainObject(v)) out[key] = include(v, n, root, state, variables);
    else if (Array.isArray(v))
      out[key] = v
        .filter((el) => isPlainObject(el) || Array.isArray(el))
        .map((el) => (Array.isArray(el) ? el : include(el as Doc, n, root, state, variables)));
  }
  // Computed fields and specs on fields the document lacks come after the kept fields.
  for (const key of Object.keys(node)) {
    const n = node[key]!;
    if (key in out) continue;
    if (isSpec(n) && n.kind === 'expr') {
      const r = applyLeaf(undefined, n, state, root, variables);
      if (r !== undefined) out[key] = r;
    } else if (!isSpec(n) && !(key in value) && hasExpr(n)) {
      out[key] = include({}, n, root, state, variables);
    }
  }
  return out;
}

function hasExpr(node: Node): boolean {
  return Object.values(node).some((n) => (isSpec(n) ? n.kind === 'expr' : hasExpr(n)));
}

function exclude(value: Doc, node: Node, state: MatchState): Doc {
  const out: Doc = {};
  for (const key of Object.keys(value)) {
    const n = node[key];
    const v = value[key];
    if (n === undefined) {
      out[key] = v;
      continue;
    }
    if (isSpec(n)) {
      if (n.kind === 'exclude') continue;
      const r = applyLeaf(v, n, state, value);
      if (r !== undefined) out[key] = r;
    } else if (isPlainObject(v)) out[key] = exclude(v, n, state);
    else if (Array.isArray(v)) out[key] = v.map((el) => (isPlainObject(el) ? exclude(el, n, state) : el));
    else out[key] = v;
  }
  return out;
}
