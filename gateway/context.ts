import type { Principal } from '../shared/auth';
import type { IncrementalChannel } from '../shared/graphql/incremental';
import type { Logger } from '../shared/logger';
import type { OperationCost } from './cost/demand-control';

/**
 * Per request at the gateway: who is calling, what to forward to subgraphs, and what the layers
 * record on the way. The one context type every gateway plugin is written against, so they join
 * in server.ts without casts.
 */
export interface GatewayContext {
  requestId: string;
  authorization: string | undefined;
  principal: Principal | null;
  /** Carries service, requestId and tenantId on every line. */
  log?: Logger;
  /** Aborts when the client goes away before its answer is sent; a shared execution goes on for the others. */
  signal?: AbortSignal;
  /** Demand control's estimate, set before execution; the actual cost is added once the answer is known. */
  cost?: OperationCost;
  /** Set by the HTTP route: whether the client takes multipart answers, and a deferred answer's later parts. */
  incremental?: IncrementalChannel;
}
