import { badValue, CODES, ServerError } from '../errors';
import { cloneValue } from './clone';
import { runMingoStages, toPlain } from './expressions';
import { compileFilter } from './match';
import { isNumeric, toNumber } from './numeric';
import { getPath, someAtPath, unsetPath } from './paths';
import { compileProjection } from './projection';
import { parseSort, sortDocs } from './sort';
import { hashKey, isPlainObject, type Doc, type StringCompare, type Value } from './values';

export interface PipelineContext {
  /** Documents of another collection in the same database ($lookup, $unionWith). */
  resolve(collection: string): Doc[];
  /** A sub-pipeline's starting documents through the collection's indexes, and the stages left. */
  source?(collection: string, stages: readonly Doc[]): { docs: Doc[]; rest: Doc[] };
  strings?: StringCompare;
  variables?: Doc;
}

/** A pipeline's last stage may write ($out, $merge); the command layer performs the write. */
export interface PipelineWrite {
  stage: '$out' | '$merge';
  spec: Value;
}

export function splitWriteStage(pipeline: Doc[]): { stages: Doc[]; write: PipelineWrite | null } {
  pipeline.forEach((s, i) => {
    const name = Object.keys(s)[0];
    if ((name === '$out' || name === '$merge') && i !== pipeline.length - 1) {
      throw new ServerError(40601, `${name} can only be the final stage in the pipeline`);
    }
  });
  const last = pipeline[pipeline.length - 1];
  const name = last ? Object.keys(last)[0] : undefined;
  if (name === '$out' || name === '$merge')
    return { stages: pipeline.slice(0, -1), write: { stage: name, spec: last![name] } };
  return { stages: pipeline, write: null };
}

/** Runs read stages over documents; stages with expressions go through mingo. */
export function runPipeline(docs: Doc[], pipeline: unknown, ctx: PipelineContext): Doc[] {
  if (!Array.isArray(pipeline))
    throw new ServerError(CODES.TypeMismatch, "'pipeline' option must be specified as an array");
  let out = docs;
  for (const stage of pipeline) {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1) {
      throw new ServerError(40323, 'A pipeline stage specification object must contain exactly one field.');
    }
    const name = Object.keys(stage)[0]!;
    out = runStage(name, stage[name], out, ctx);
  }
  return out;
}

function positiveInt(v: Value, stage: string): number {
  if (!isNumeric(v) || !Number.isInteger(toNumber(v)) || toNumber(v) < 0) {
    throw new ServerError(
      CODES.Location15998,
      `invalid argument to ${stage} stage: expected a non-negative whole number, got ${JSON.stringify(v)}`,
    );
  }
  return toNumber(v);
}

function onlyFlags(spec: Doc): boolean {
  return Object.values(spec).every((v) => typeof v === 'boolean' || isNumeric(v));
}

function runStage(name: string, spec: Value, docs: Doc[], ctx: PipelineContext): Doc[] {
  const mingo = (): Doc[] =>
    runMingoStages([{ [name]: spec }], docs, {
      variables: ctx.variables,
      collection: (c) => ctx.resolve(c).map((d) => toPlain(d) as Doc),
    });
  switch (name) {
    case '$match': {
      const m = compileFilter(spec, { strings: ctx.strings, variables: ctx.variables });
      return docs.filter((d) => m(d));
    }
    case '$sort':
      return sortDocs([...docs], parseSort(spec), ctx.strings);
    case '$limit': {
      const n = positiveInt(spec, '$limit');
      if (n === 0) throw new ServerError(15958, 'the limit must be positive');
      return docs.slice(0, n);
    }
    case '$skip':
      return docs.slice(positiveInt(spec, '$skip'));
    case '$count': {
      if (typeof spec !== 'string' || spec === '' || spec.startsWith('$') || spec.includes('.')) {
        throw new ServerError(40156, 'the count field must be a non-empty string without $ or .');
      }
      return docs.length === 0 ? [] : [{ [spec]: docs.length }];
    }
    case '$unset': {
      const fields = typeof spec === 'string' ? [spec] : spec;
      if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string'))
        throw badValue('$unset specification must be a string or an array of strings');
      return docs.map((d) => {
        const c = cloneValue(d);
        for (const f of fields as string[]) unsetAll(c, f.split('.'));
        return c;
      });
    }
    case '$project':
      if (isPlainObject(spec) && onlyFlags(spec)) {
        const p = compileProjection(spec, ctx.strings, ctx.variables);
        if (!p) throw new ServerError(51272, '$project specification must have at least one field');
        return docs.map((d) => p.apply(d));
      }
      return mingo();
    case '$replaceRoot':
    case '$replaceWith': {
      const out = mingo();
      for (const d of out)
        if (!isPlainObject(d)) throw new ServerError(40228, `'newRoot' expression must evaluate to an object`);
      return out;
    }
    case '$unwind':
      return unwind(spec, docs);
    case '$lookup':
      return lookup(spec, docs, ctx);
    case '$facet': {
      if (!isPlainObject(spec)) throw new ServerError(15955, '$facet takes an object of pipelines');
      const out: Doc = {};
      for (const [k, p] of Object.entries(spec)) out[k] = runPipeline(docs, p, ctx);
      return [out];
    }
    case '$unionWith': {
      const s = typeof spec === 'string' ? { coll: spec } : (spec as Doc);
      if (Array.isArray(s.pipeline) && ctx.source) {
        const start = ctx.source(String(s.coll), s.pipeline as Doc[]);
        return [...docs, ...runPipeline(start.docs.map(cloneValue), start.rest, ctx)];
      }
      const other = ctx.resolve(String(s.coll));
      return [...docs, ...(s.pipeline ? runPipeline(other, s.pipeline, ctx) : other)];
    }
    case '$sample': {
      const size = positiveInt((spec as Doc)?.size, '$sample');
      return [...docs].sort(() => Math.random() - 0.5).slice(0, size);
    }
    case '$documents':
      return mingo();
    case '$listLocalSessions':
      return [{ _id: { id: 'embedded', uid: 'embedded' }, lastUse: new Date() }];
    case '$addFields':
    case '$set':
    case '$group':
    case '$bucket':
    case '$bucketAuto':
    case '$sortByCount':
    case '$redact':
    case '$setWindowFields':
    case '$densify':
    case '$fill':
      return mingo();
    case '$out':
    case '$merge':
      throw new ServerError(40601, `${name} can only be the final stage in the pipeline`);
    default:
      throw new ServerError(40324, `Unrecognized pipeline stage name: '${name}'`);
  }
}

function unsetAll(doc: Doc, parts: string[]): void {
  const parent = getPath(doc, parts.slice(0, -1));
  if (Array.isArray(parent)) {
    for (const el of parent) if (isPlainObject(el)) delete el[parts[parts.length - 1]!];
  } else unsetPath(doc, parts);
}

function unwind(spec: Value, docs: Doc[]): Doc[] {
  const s: Doc = typeof spec === 'string' ? { path: spec } : (spec as Doc);
  if (!isPlainObject(s) || typeof s.path !== 'string' || !s.path.startsWith('$')) {
    throw new ServerError(28818, "path option to $unwind stage should be prefixed with a '$'");
  }
  const path = s.path.slice(1);
  const keepEmpty = s.preserveNullAndEmptyArrays === true;
  const indexField = typeof s.includeArrayIndex === 'string' ? s.includeArrayIndex : null;
  const out: Doc[] = [];
  for (const d of docs) {
    const v = getPath(d, path);
    if (Array.isArray(v) && v.length > 0) {
      v.forEach((el, i) => {
        const c = cloneValue(d);
        setDotted(c, path, el);
        if (indexField) c[indexField] = i;
        out.push(c);
      });
    } else if (!Array.isArray(v) && v !== undefined && v !== null) {
      const c = cloneValue(d);
      if (indexField) c[indexField] = null;
      out.push(c);
    } else if (keepEmpty) {
      const c = cloneValue(d);
      if (Array.isArray(v)) unsetPath(c, path.split('.'));
      if (indexField) c[indexField] = null;
      out.push(c);
    }
  }
  return out;
}

function setDotted(doc: Doc, path: string, value: Value): void {
  const parts = path.split('.');
  let cur = doc;
  for (const p of parts.slice(0, -1)) cur = cur[p] as Doc;
  cur[parts[parts.length - 1]!] = value;
}

function lookup(spec: Value, docs: Doc[], ctx: PipelineContext): Doc[] {
  if (!isPlainObject(spec) || typeof spec.from !== 'string' || typeof spec.as !== 'string') {
    throw new ServerError(CODES.FailedToParse, '$lookup requires string from and as');
  }
  const foreign = ctx.resolve(spec.from);
  const as = spec.as;
  return docs.map((d) => {
    let matched: Doc[] = foreign;
    if (typeof spec.localField === 'string' && typeof spec.foreignField === 'string') {
      const local: Value[] = [];
      someAtPath(d, spec.localField.split('.'), (v) => {
        local.push(v === undefined ? null : v);
        return false;
      });
      const keys = new Set(local.map(hashKey));
      const ff = spec.foreignField.split('.');
      matched = foreign.filter((f) => someAtPath(f, ff, (v) => keys.has(hashKey(v === undefined ? null : v))));
    }
    if (spec.pipeline !== undefined) {
      const vars: Doc = { ...(ctx.variables ?? {}) };
      if (isPlainObject(spec.let)) {
        for (const [k, expr] of Object.entries(spec.let)) {
          vars[k] = typeof expr === 'string' && expr.startsWith('$') ? getPath(d, expr.slice(1)) : expr;
        }
      }
      matched = runPipeline(matched, spec.pipeline, { ...ctx, variables: vars });
    }
    const c = cloneValue(d);
    setDotted(c, as, matched.map(cloneValue));
    return c;
  });
}
