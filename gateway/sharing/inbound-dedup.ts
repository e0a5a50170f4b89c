import type {
  GatewayExecutionResult,
  GatewayGraphQLRequestContext,
  GatewayInterface,
} from '@apollo/server-gateway-interface';
import type { GatewayContext } from '../context';
import { hasDefer } from '../execution/plan/subselection';
import type { Inflight } from './inflight';

/** Apollo's gateway interface types the context as any record, so each field is read as maybe absent. */
type CallerRequest = GatewayGraphQLRequestContext<Partial<GatewayContext>>;

/**
 * The key of an operation that may share another's execution: the caller's exact credentials, the
 * document, the operation and the variables. Two different tokens never share, even of one user:
 * what a token may see is decided by the subgraphs, per token.
 */
export function inboundKey(rc: CallerRequest): string {
  const variables = JSON.stringify(rc.request.variables ?? {});
  return `${rc.context.authorization ?? ''}\n${rc.queryHash}\n${rc.operationName ?? ''}\n${variables}`;
}

/**
 * Wraps the Apollo gateway so identical concurrent queries execute once: every caller still goes
 * through Apollo Server's whole pipeline (token check, limits, rate limits, demand control, its
 * own metrics and log line), and only the query plan's execution is shared. Mutations,
 * subscriptions and operations with @defer always run on their own. Each caller gets its own copy of the result's top level.
 */
export function deduplicatingGateway(
  gateway: GatewayInterface,
  inflight: Inflight<GatewayExecutionResult>,
): GatewayInterface {
  return {
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
    load: async (options) => {
      const { executor } = await gateway.load(options);
      if (!executor) return { executor };
      return {
        executor: async (rc: CallerRequest) => {
          // A deferred answer's later parts are its caller's own (the channel on its context): never shared.
          if (rc.operation.operation !== 'query' || hasDefer(rc.document)) return executor(rc);
          const result = await inflight.run(inboundKey(rc), () => executor(rc), rc.context.signal);
          return { ...result, ...(result.errors && { errors: [...result.errors] }) };
        },
      };
    },
  };
}
