import { LRUCache } from 'lru-cache';
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ObjectId } from 'mongodb';
import { errors } from './errors';

export const ROLES = ['platform-admin', 'admin', 'recruiter', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, from a verified token. */
export interface Principal {
  userId: string;
  /** The tenant the token is for; null for a platform-admin token without one. */
  tenantId: ObjectId | null;
  roles: Role[];
  /** When the token expires (its exp claim); null for a token without one. */
  expiresAt: Date | null;
}

/** What a caller wants to do inside its tenant. */
export type Access = 'read' | 'write' | 'admin';

const GRANTS: Record<Access, Role[]> = {
  read: ['admin', 'recruiter', 'viewer'],
  write: ['admin', 'recruiter'],
  admin: ['admin'],
};

export interface VerifierOptions {
  /** HS256 shared secret. With a JWKS URL too, it verifies only HS256 tokens (the worker's own). */
  secret?: string;
  /** JWKS endpoint for asymmetric keys (users' tokens from an identity provider). */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

/**
 * How long a verified token is remembered, so a client's every request does not pay for the
 * signature check again; never past the token's expiry. A JWKS key withdrawn at the issuer stops
 * being honoured within this time.
 */
const VERIFIED_FOR_MS = 60_000;
/** Tokens remembered at most; the least recently used go first. */
const VERIFIED_MAX = 10_000;

/**
 * Verifies bearer tokens into a Principal; every failure is UNAUTHENTICATED. HS256 tokens are
 * checked against the secret, others against the JWKS; with both configured, users sign in through
 * the identity provider while Hiregraph's own processes (the worker) sign short-lived HS256 tokens.
 */
export class TokenVerifier {
  private readonly key: JWTVerifyGetKey;
  private readonly verified = new LRUCache<string, Principal>({ max: VERIFIED_MAX });
  private readonly algorithms: string[] | undefined;

  constructor(private readonly opts: VerifierOptions) {
    const secret = opts.secret ? new TextEncoder().encode(opts.secret) : null;
    const jwks = opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : null;
    if (!secret && !jwks) throw new Error('TokenVerifier needs a secret or a JWKS URL');
    this.key = async (header, token) => {
      if (header.alg === 'HS256' && secret) return secret;
      if (jwks) return jwks(header, token);
      throw new Error(`expected an HS256 token, received ${header.alg}`);
    };
    // Without a JWKS, only HS256 is accepted (no "none", no algorithm confusion).
    this.algorithms = jwks ? undefined : ['HS256'];
  }

  async verify(authorization: string | undefined): Promise<Principal> {
    if (!authorization) throw errors.unauthenticated('expected an Authorization header "Bearer <JWT>", received none');
    const remembered = this.verified.get(authorization);
    if (remembered) return remembered;
    const principal = await this.check(authorization);
    const untilExpiry = (principal.expiresAt?.getTime() ?? Infinity) - Date.now();
    this.verified.set(authorization, principal, { ttl: Math.max(1, Math.min(VERIFIED_FOR_MS, untilExpiry)) });
    return principal;
  }

  private async check(authorization: string): Promise<Principal> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw errors.unauthenticated('expected an Authorization header of the form "Bearer <JWT>"');
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(match[1]!, this.key, {
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        algorithms: this.algorithms,
      });
      payload = result.payload;
    } catch (err) {
      const reason =
        (err as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'the token has expired' : 'the token is not valid';
      throw errors.unauthenticated(`${reason}; sign in again`);
    }
    return principalFrom(payload);
  }
}

function principalFrom(payload: JWTPayload): Principal {
  const { sub, tid, roles } = payload as JWTPayload & { tid?: unknown; roles?: unknown };
  if (typeof sub !== 'string' || sub === '') throw errors.unauthenticated('expected a "sub" claim in the token');
  if (!Array.isArray(roles) || !roles.every((r): r is Role => (ROLES as readonly string[]).includes(r as string))) {
    throw errors.unauthenticated(`expected "roles" to be a list of ${ROLES.join(', ')}`);
  }
  let tenantId: ObjectId | null = null;
  if (tid !== undefined && tid !== null) {
    if (typeof tid !== 'string' || !ObjectId.isValid(tid) || tid.length !== 24)
      throw errors.unauthenticated('expected "tid" to be a tenant id (24 hex characters)');
    tenantId = new ObjectId(tid);
  }
  return {
    userId: sub,
    tenantId,
    roles,
    expiresAt: typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : null,
  };
}

/** The caller's tenant, if its roles allow `access` there; FORBIDDEN otherwise. */
export function tenantFor(principal: Principal, access: Access): ObjectId {
  if (!principal.tenantId)
    throw errors.forbidden(
      `expected a token for a tenant; this token (roles: ${principal.roles.join(', ') || 'none'}) has none`,
    );
  if (!principal.roles.some((r) => GRANTS[access].includes(r))) {
    throw errors.forbidden(
      `expected one of the roles ${GRANTS[access].join(', ')} to ${access === 'read' ? 'read' : 'change'} this; the token has ${principal.roles.join(', ') || 'none'}`,
    );
  }
  return principal.tenantId;
}

export function requirePlatformAdmin(principal: Principal): void {
  if (!principal.roles.includes('platform-admin')) throw errors.forbidden('expected the platform-admin role');
}

export interface TokenClaims {
  sub: string;
  tid?: string;
  roles: Role[];
}

/** Signs an HS256 token, for `npm run token`, the demo printout and tests. */
export async function signToken(
  secret: string,
  claims: TokenClaims,
  opts: { expiresIn?: string; issuer?: string; audience?: string } = {},
): Promise<string> {
  let jwt = new SignJWT({ tid: claims.tid, roles: claims.roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '12h');
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt = jwt.setAudience(opts.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** The subject of tokens Hiregraph's worker signs for itself. */
export const WORKER_SUBJECT = 'service:assessment-worker';

/**
 * Short-lived tenant `viewer` tokens for the worker, which reads candidates and jobs from their
 * subgraphs like any client; one token per tenant is reused until a minute before it expires.
 */
export class ServiceTokens {
  private readonly cache = new Map<string, { token: Promise<string>; until: number }>();

  /**
   * @param secret the HS256 secret the subgraphs verify (JWT_SECRET)
   * @param opts issuer and audience the subgraphs expect (JWT_ISSUER, JWT_AUDIENCE)
   */
  constructor(
    private readonly secret: string,
    private readonly opts: { issuer?: string; audience?: string } = {},
  ) {}

  /** An Authorization header value for the tenant. */
  async authorization(tenantId: string): Promise<string> {
    const now = Date.now();
    let entry = this.cache.get(tenantId);
    if (!entry || entry.until < now) {
      entry = {
        token: signToken(
          this.secret,
          { sub: WORKER_SUBJECT, tid: tenantId, roles: ['viewer'] },
          { ...this.opts, expiresIn: '5m' },
        ),
        until: now + 4 * 60_000,
      };
      entry.token.catch(() => this.cache.delete(tenantId));
      this.cache.set(tenantId, entry);
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    }
    return `Bearer ${await entry.token}`;
  }
}
