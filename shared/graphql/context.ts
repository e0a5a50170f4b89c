import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ObjectId } from 'mongodb';
import { actingTenant, type Access, type Principal, type TokenVerifier } from '../auth';
import type { Logger } from '../logger';
import type { BatchObserver } from './loader';
import { OperationReads } from './projection';

/**
 * What every resolver gets. Authentication happens when the context is built, but its failure is
 * raised by the first resolver that needs a caller, so it comes back as a GraphQL error with a code.
 */
export interface RequestContext {
  requestId: string;
  authorization: string | undefined;
  log: Logger;
  /** The verified caller; throws UNAUTHENTICATED if the token was missing or bad. */
  principal(): Principal;
  /** The caller's tenant if it may `access` it; throws UNAUTHENTICATED or FORBIDDEN. */
  tenant(access: Access): ObjectId;
  /** Where this request's loaders report their batch sizes. */
  observeBatch: BatchObserver;
  /** What the request's operation selects, so loaders read only the document fields it needs. */
  reads: OperationReads;
}

export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  const id = Array.isArray(given) ? given[0] : given;
  return id && /^[\w.:-]{1,128}$/.test(id) ? id : randomUUID();
}

/**
 * A request's context: its id, its token as verified (`verified`: the principal the caller already
 * verified for this very token, as a subscription's onSubscribe does, so it is not verified twice),
 * and its loaders' reads.
 */
export async function buildRequestContext(
  headers: IncomingHttpHeaders,
  verifier: TokenVerifier,
  log: Logger,
  observeBatch: BatchObserver = () => undefined,
  verified?: Principal,
): Promise<RequestContext> {
  const requestId = requestIdOf(headers);
  const authorization = headers.authorization;
  let principal: Principal | null = verified ?? null;
  let failure: unknown = null;
  if (!principal) {
    try {
      principal = await verifier.verify(authorization);
    } catch (err) {
      failure = err;
    }
  }
  const child = log.child({ requestId, tenantId: principal?.tenantId?.toHexString() });
  const who = (): Principal => {
    if (!principal) throw failure;
    return principal;
  };
  return {
    requestId,
    authorization,
    log: child,
    principal: who,
    tenant: (access) => actingTenant(who(), access),
    observeBatch,
    reads: new OperationReads(),
  };
}
