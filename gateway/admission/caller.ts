import type { ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { TokenVerifier } from '../../shared/auth';
import { jwtSecret, type Config } from '../../shared/config';
import { errors } from '../../shared/errors';
import { requestIdOf } from '../../shared/graphql/context';
import type { GraphQLRequest } from '../../shared/graphql/graphql-route';
import type { Logger } from '../../shared/logger';
import type { GatewayContext } from '../context';
import { isIntrospectionOnly } from './introspection';

/** The gateway's token check: users' tokens only, since it holds no internal secret. */
export function gatewayVerifier(config: Config): TokenVerifier {
  return new TokenVerifier({
    secret: jwtSecret(config),
    jwksUrl: config.JWT_JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    maxAgeSeconds: config.JWT_MAX_AGE_SECONDS,
    // No internal secret: service tokens are refused here (UNAUTHENTICATED), whoever sends one.
  });
}

/** The operation a request carries, in its JSON body or (GET) its query string. */
function operationOf(req: GraphQLRequest): [query: unknown, operationName: unknown] {
  const body = (req.body ?? {}) as { query?: unknown; operationName?: unknown };
  if (body.query !== undefined) return [body.query, body.operationName];
  const search = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  return [search.get('query') ?? undefined, search.get('operationName') ?? undefined];
}

/**
 * Builds each HTTP request's GatewayContext: the caller's verified token, or UNAUTHENTICATED; with
 * INTROSPECTION on, a request with no token may still ask for the schema and nothing else.
 */
export function callerContext(
  config: Config,
  verifier: TokenVerifier,
  log: Logger,
): (req: GraphQLRequest, res: ServerResponse) => Promise<GatewayContext> {
  return async (req, res) => {
    const requestId = requestIdOf(req.headers);
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort(new Error('the client went away'));
    });
    const authorization = req.headers.authorization;
    try {
      const principal = await verifier.verify(authorization);
      return {
        requestId,
        authorization,
        principal,
        log: log.child({ requestId, tenantId: principal.tenantId?.toHexString() }),
        signal: gone.signal,
      };
    } catch (err) {
      if (!authorization && config.INTROSPECTION && isIntrospectionOnly(...operationOf(req))) {
        return { requestId, authorization, principal: null, log: log.child({ requestId }) };
      }
      const message = err instanceof GraphQLError ? err.message : 'the token is not valid';
      throw errors.unauthenticated(message);
    }
  };
}
