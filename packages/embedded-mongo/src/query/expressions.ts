import { Aggregator } from 'mingo';
import { badValue } from '../errors';
import { isNumeric, toNumber } from './numeric';
import { asRegExp } from './regex';
import { isPlainObject, type Doc, type Value } from './values';

/**
 * Aggregation expressions and accumulators ($add, $cond, $sum, …) are mingo's. mingo works on plain
 * JS values, so typed BSON numbers are lowered to JS numbers on the way in; computed fields come back
 * as JS numbers (the BSON encoder stores integral ones as int32, others as double).
 */
export function toPlain(v: Value): Value {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toPlain);
  if (isNumeric(v)) return toNumber(v);
  const re = asRegExp(v);
  if (re) return re;
  if (!isPlainObject(v)) return v;
  const out: Doc = {};
  for (const k of Object.keys(v)) out[k] = toPlain(v[k]);
  return out;
}

export interface ExprOptions {
  /** `let` variables, referenced as $$name. */
  variables?: Doc;
  /** Resolves a collection name for $lookup-like stages mingo runs itself. */
  collection?: (name: string) => Doc[];
}

function mingoOptions(opts: ExprOptions): Record<string, unknown> {
  return {
    variables: opts.variables ? toPlain(opts.variables) : undefined,
    collectionResolver: opts.collection,
    failOnError: true,
  };
}

/** Runs expression-only stages ($project with expressions, $group, $bucket, …) through mingo. */
export function runMingoStages(stages: Doc[], docs: Doc[], opts: ExprOptions = {}): Doc[] {
  try {
    return new Aggregator(
      stages.map((s) => toPlain(s) as Doc),
      mingoOptions(opts),
    ).run(docs.map((d) => toPlain(d) as Doc)) as Doc[];
  } catch (err) {
    throw badValue(`invalid pipeline stage ${JSON.stringify(Object.keys(stages[0] ?? {}))}: ${(err as Error).message}`);
  }
}

/** Evaluates an aggregation expression against one document. */
export function evaluate(expr: Value, doc: Doc, opts: ExprOptions = {}): Value {
  const [out] = runMingoStages([{ $replaceWith: { v: expr } }], [doc], opts);
  return out?.v;
}

/** MongoDB truthiness: false, null, undefined and zero are false. */
export function truthy(v: Value): boolean {
  if (v === null || v === undefined || v === false) return false;
  if (isNumeric(v)) return toNumber(v) !== 0;
  return true;
}
