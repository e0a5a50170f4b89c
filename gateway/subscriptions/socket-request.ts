import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { Logger } from '../../shared/logger';
import type { GatewayContext } from '../context';

/** Who runs an operation over the socket: what its fetches forward. */
export interface SocketCaller {
  requestId: string;
  authorization: string | undefined;
}

/**
 * A request for the plan executor from an operation over graphql-ws, where no Apollo Server
 * request exists to take it from: the plan's fetches read only what the caller's context forwards
 * (its token and request id) and the request's variables; a query's run reads its document too.
 */
export function socketRequest(
  caller: SocketCaller,
  log: Logger,
  request: { query?: string; variables: Record<string, unknown>; operationName?: string },
  operation?: { document: DocumentNode; operation: OperationDefinitionNode },
): GatewayGraphQLRequestContext<GatewayContext> {
  const context: GatewayContext = {
    requestId: caller.requestId,
    authorization: caller.authorization,
    principal: null,
  };
  const given: Partial<GatewayGraphQLRequestContext<GatewayContext>> = {
    request,
    context,
    logger: log,
    metrics: {},
    ...operation,
  };
  return given as GatewayGraphQLRequestContext<GatewayContext>;
}
