import type { ServiceMap } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import { getOperationAST } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { errors } from '../../shared/errors';
import type { SubsequentPayload } from '../../shared/graphql/incremental';
import type { Logger } from '../../shared/logger';
import type { GatewayContext } from '../context';
import { bounded } from '../cost/deferred-parts';
import type { OverrideLabels } from '../execution/plan/overrides';
import type { PlanExecutor } from '../execution/plan/plan-executor';

/** Who runs a query over the socket: what its fetches forward. */
export interface SocketCaller {
  requestId: string;
  authorization: string | undefined;
}

export type SocketQuery = (
  caller: SocketCaller,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | undefined,
) => Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>>;

/**
 * Queries over graphql-ws, so a client whose link sends every operation over the socket (Apollo
 * Client's GraphQLWsLink alone) may use @defer: one `next` per payload (the initial result, then
 * each `{ incremental, hasNext }`), then `complete`. They pass the socket's admission at subscribe
 * (token, operation limits, rates, demand control's estimate) and run through the same plan
 * executor as HTTP; MAX_RESPONSE_BYTES bounds the whole answer as on HTTP (deferred-parts.ts).
 * Mutations stay on HTTP, where their effect's answer passes Apollo Server's plugins.
 */
export function socketQueries(opts: {
  executor: PlanExecutor;
  overrides: OverrideLabels;
  services: ServiceMap;
  schema: GraphQLSchema;
  log: Logger;
  maxBytes: number;
}): SocketQuery {
  return async (caller, document, variables, operationName) => {
    if (getOperationAST(document, operationName)?.operation !== 'query')
      return {
        errors: [
          errors.badRequest(
            'expected a query or a subscription over this socket, received a mutation: mutations go over HTTP POST /graphql',
          ),
        ],
      };
    const definition = getOperationAST(document, operationName)!;
    const coerced = getVariableValues(opts.schema, definition.variableDefinitions ?? [], variables);
    if (coerced.errors?.length) return { errors: coerced.errors };
    const context: GatewayContext = {
      requestId: caller.requestId,
      authorization: caller.authorization,
      principal: null,
    };
    // What the plan's fetches read of a request (there is no Apollo Server request here).
    const request = {
      request: { variables },
      context,
      logger: opts.log,
      metrics: {},
      document,
      operation: definition,
    } as unknown as GatewayGraphQLRequestContext<GatewayContext>;
    const operation = opts.executor.compile(document, operationName);
    const plan = operation.planFor(opts.overrides.draw(), operation.deferPlan !== undefined);
    const { result, subsequent } = await opts.executor.runIncremental(operation, plan, opts.services, request);
    const initialBytes = result.data ? Buffer.byteLength(JSON.stringify(result.data)) : 0;
    if (initialBytes > opts.maxBytes) {
      await subsequent?.return?.();
      return { errors: [errors.responseTooLarge(initialBytes, opts.maxBytes)] };
    }
    const initial = { data: result.data, errors: result.errors, extensions: result.extensions } as ExecutionResult;
    if (!subsequent) return initial;
    const later = bounded(subsequent, initialBytes, {
      maxBytes: opts.maxBytes,
      format: (e) => e,
      done: () => undefined,
    });
    return parts({ ...initial, hasNext: true } as ExecutionResult, later);
  };
}

/** The initial result, then each later payload, as graphql-ws sends them (its return() stops the parts). */
async function* parts(
  initial: ExecutionResult,
  later: AsyncIterableIterator<SubsequentPayload>,
): AsyncGenerator<ExecutionResult> {
  try {
    yield initial;
    for await (const payload of later) yield payload as unknown as ExecutionResult;
  } finally {
    await later.return?.();
  }
}
