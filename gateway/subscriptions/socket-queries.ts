import type { ServiceMap } from '@apollo/gateway';
import type { DocumentNode, ExecutionResult } from 'graphql';
import { getOperationAST } from 'graphql';
import { errors } from '../../shared/errors';
import type { SubsequentPayload } from '../../shared/graphql/incremental';
import type { Logger } from '../../shared/logger';
import { bounded } from '../cost/deferred-parts';
import type { OverrideLabels } from '../execution/plan/overrides';
import { executeRequest, type PlanExecutor } from '../execution/plan/plan-executor';
import { socketRequest, type SocketCaller } from './socket-request';

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
  log: Logger;
  maxBytes: number;
}): SocketQuery {
  return async (caller, document, variables, operationName) => {
    const definition = getOperationAST(document, operationName);
    if (definition?.operation !== 'query')
      return {
        errors: [
          errors.badRequest(
            'expected a query or a subscription over this socket, received a mutation: mutations go over HTTP POST /graphql',
          ),
        ],
      };
    const request = socketRequest(caller, opts.log, { variables, operationName }, { document, operation: definition });
    // A socket always takes incremental answers: one `next` per payload.
    const { result, subsequent } = await executeRequest(opts.executor, opts.services, opts.overrides, request, {
      incremental: true,
      as: 'objects',
    });
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
