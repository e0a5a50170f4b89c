import { CODES, ServerError } from '../errors';
import { isPlainObject, type Doc } from '../query/values';
import { parseSort } from '../query/sort';
import { matching, opOptions, optionalDoc, optionalInt, sortedMatching, targetName } from './common';
import type { Handler } from './context';

/**
 * explain for find: which index answered the filter's leading equalities (IXSCAN) or that every
 * document was read (COLLSCAN), and how many documents were examined (a sort with a limit read in
 * index order examines only up to the limit), in MongoDB's reply shape.
 */
const explain: Handler = (cmd, ctx) => {
  const inner = cmd.explain;
  if (!isPlainObject(inner) || Object.keys(inner)[0] !== 'find') {
    throw new ServerError(CODES.IllegalOperation, 'the embedded server explains find commands only');
  }
  const name = targetName(inner, 'find');
  const filter = optionalDoc(inner, 'filter') ?? {};
  const coll = ctx.store.collection(ctx.db, name);
  const started = Date.now();
  const opts = opOptions(inner.collation, inner.let);
  const limit = optionalInt(inner, 'limit') ?? 0;
  const sort = parseSort(optionalDoc(inner, 'sort'));
  const sorted =
    coll && limit > 0 ? sortedMatching(coll, filter, sort, (optionalInt(inner, 'skip') ?? 0) + limit, opts) : null;
  const m = sorted ?? matching(coll, filter, opts);
  const index = m.index ? coll!.indexes.get(m.index)! : null;
  const winningPlan: Doc = index
    ? {
        stage: 'FETCH',
        inputStage: { stage: 'IXSCAN', indexName: index.name, keyPattern: index.spec.key, isMultiKey: false },
      }
    : { stage: 'COLLSCAN', filter, direction: 'forward' };
  return {
    explainVersion: '1',
    queryPlanner: { namespace: `${ctx.db}.${name}`, parsedQuery: filter, winningPlan, rejectedPlans: [] },
    executionStats: {
      executionSuccess: true,
      nReturned: m.docs.length,
      executionTimeMillis: Date.now() - started,
      totalKeysExamined: index ? m.examined : 0,
      totalDocsExamined: m.examined,
    },
    command: { ...inner, $db: ctx.db },
    ok: 1,
  };
};

export const explainCommands: Record<string, Handler> = { explain };
