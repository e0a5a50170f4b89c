import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST, GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import { Histogram, type Registry } from 'prom-client';
import type { Principal } from '../../shared/auth';
import { errors } from '../../shared/errors';
import type { GatewayContext } from '../context';
import type { ResultSerializer } from '../sharing/result-json';
import { actualCost } from './actual-cost';
import { costDirectivesOf, estimateCost } from './cost-model';
import { tenantOf, type TenantLimitsCache } from '../admission/tenant-limits';

/** Cost buckets: decades from 1 to 10 million. */
const COST_BUCKETS = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

export interface DemandControlOptions {
  /** The supergraph SDL: its @cost and @listSize directives are the model's weights and sizes. */
  supergraphSdl: string;
  /** The API schema operations are estimated against (the subscription executor's, built once). */
  schema: GraphQLSchema;
  /** The limit for callers whose tenant sets no `maxQueryCost` (LIMIT_MAX_COST). */
  defaultMaxCost: number;
  /** Tenant limits, shared with the rate limits. */
  tenantLimits: TenantLimitsCache;
  /** Where the cost histograms are registered (the gateway's /metrics). */
  registry: Registry;
  /** The gateway's answer serializer: the actual cost is counted on the JSON text it sends. */
  serializer: ResultSerializer;
}

/** What demand control decided for one operation; the log line carries it. */
export interface OperationCost {
  estimated: number;
  max: number;
  actual?: number;
}

export interface Admission {
  principal: Principal | null;
  authorization: string | undefined;
  requestId: string;
  document: DocumentNode;
  variables?: Record<string, unknown>;
  operationName?: string | null;
}

/**
 * Demand control at the gateway: every operation's cost is estimated from the supergraph's
 * directives after validation and before planning, and refused with COST_ESTIMATED_TOO_EXPENSIVE
 * (`estimatedCost`, `maxCost`) over the caller's limit, so no subgraph is called for it. The
 * estimate and the actual cost of each answer go to two histograms and the operation's log line.
 * The same check admits each subscription at subscribe time (`admit`).
 */
export function demandControl(opts: DemandControlOptions) {
  const directives = costDirectivesOf(opts.supergraphSdl);
  const estimatedHistogram = new Histogram({
    name: 'hiregraph_operation_cost_estimated',
    help: 'Estimated cost of each operation (demand control), by operation type and outcome',
    labelNames: ['type', 'result'] as const,
    buckets: COST_BUCKETS,
    registers: [opts.registry],
  });
  const actualHistogram = new Histogram({
    name: 'hiregraph_operation_cost_actual',
    help: 'Actual cost of each answered operation: the objects it returned',
    labelNames: ['type'] as const,
    buckets: COST_BUCKETS,
    registers: [opts.registry],
  });

  const maxFor = async (a: Admission): Promise<number> => {
    const tenant = tenantOf(a.principal);
    const limits = tenant ? await opts.tenantLimits.get(tenant, a.authorization, a.requestId) : null;
    return limits?.maxQueryCost ?? opts.defaultMaxCost;
  };

  // An estimate depends only on the document, the operation and the variables: Apollo Server hands
  // every request of one query text the same parsed document, so it is estimated once per variables.
  const estimates = new WeakMap<DocumentNode, LRUCache<string, number>>();
  const estimateOnce = (a: Admission): number => {
    let byInput = estimates.get(a.document);
    if (!byInput) estimates.set(a.document, (byInput = new LRUCache<string, number>({ max: 1000 })));
    const key = `${a.operationName ?? ''}\n${JSON.stringify(a.variables ?? {})}`;
    let estimated = byInput.get(key);
    if (estimated === undefined)
      byInput.set(key, (estimated = estimateCost({ ...a, schema: opts.schema }, directives)));
    return estimated;
  };
  // Callers that shared one execution share its data object: it is walked once.
  const actuals = new WeakMap<object, number>();

  /** Estimates one operation and records the estimate, with the caller's limit. */
  const measure = async (a: Admission): Promise<OperationCost> => {
    let estimated: number;
    try {
      estimated = estimateOnce(a);
    } catch (err) {
      if ((err as GraphQLError).extensions?.code) throw err;
      throw errors.badInput(`the operation's variables could not be read: ${(err as Error).message}`);
    }
    const max = await maxFor(a);
    const type = getOperationAST(a.document, a.operationName ?? undefined)?.operation ?? 'unknown';
    estimatedHistogram.observe(
      { type, result: estimated > max ? 'COST_ESTIMATED_TOO_EXPENSIVE' : 'COST_OK' },
      estimated,
    );
    return { estimated, max };
  };
  const refuseOver = (cost: OperationCost): void => {
    if (cost.estimated > cost.max) throw errors.tooExpensive(cost.estimated, cost.max);
  };

  /** Estimates and checks one operation; throws COST_ESTIMATED_TOO_EXPENSIVE over the limit. */
  const admit = async (a: Admission): Promise<OperationCost> => {
    const cost = await measure(a);
    refuseOver(cost);
    return cost;
  };

  const plugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, request, operation }) {
          // Subscriptions over HTTP are refused by their own plugin; over WebSocket, `admit` checks them.
          if (operation?.operation === 'subscription') return;
          // On the context before the check, so a refused operation's log line has its estimate too.
          contextValue.cost = await measure({
            principal: contextValue.principal,
            authorization: contextValue.authorization,
            requestId: contextValue.requestId,
            document,
            variables: request.variables,
            operationName: request.operationName,
          });
          refuseOver(contextValue.cost);
        },
        // Synchronous up to the assignment, so the observability plugin after it logs the actual cost.
        async willSendResponse({ contextValue, operation, response }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          if (!contextValue.cost || !operation || !body?.data) return;
          let actual = actuals.get(body.data);
          if (actual === undefined) actuals.set(body.data, (actual = actualCost(opts.serializer.dataJson(body.data))));
          contextValue.cost.actual = actual;
          // A deferred answer is observed whole once its last part went out (deferred-parts.ts).
          if (!contextValue.incremental?.subsequent) actualHistogram.observe({ type: operation.operation }, actual);
        },
      };
    },
  };
  /** Observes an answer's actual cost (a deferred one's, once its last part went out). */
  const observeActual = (type: string, actual: number): void => actualHistogram.observe({ type }, actual);
  return { plugin, admit, observeActual };
}
