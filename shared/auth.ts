import { LRUCache } from 'lru-cache';
import { createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ObjectId } from 'mongodb';
import { INTERNAL_AUDIENCE } from './credentials';
import { errors } from './errors';

export const ROLES = ['platform-admin', 'admin', 'recruiter', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, from a verified token. */
export interface Principal {
  userId: string;
  /** The tenant the token is for; null for a platform-admin token without one. */
  tenantId: ObjectId | null;
  roles: Role[];
  /** When the token expires (its exp claim). */
  expiresAt: Date | null;
  /**
   * Set for a service token (the worker's): no user role, reads only, and only the entity reads a
   * subgraph allows it (serviceGate); absent for users.
   */
  service?: string;
}

/** What a caller wants to do inside its tenant. */
export type Access = 'read' | 'write' | 'admin';

const GRANTS: Record<Access, Role[]> = {
  read: ['admin', 'recruiter', 'viewer'],
  write: ['admin', 'recruiter'],
  admin: ['admin'],
};

/** Service tokens: their own secret, issuer, audience and role, so neither verifier mistakes one for the other. */
export const INTERNAL_ISSUER = 'hiregraph';
export const SERVICE_ROLE = 'service';
/** A service token lives five minutes; one older than this (iat) is refused. */
const SERVICE_TOKEN_SECONDS = 300;
const SERVICE_MAX_AGE_SECONDS = 600;
/** Identity providers sign asymmetrically; with a JWKS no HS* token is taken for a user. */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface VerifierOptions {
  /** HS256 secret of users' tokens (JWT_SECRET). Not with a JWKS. */
  secret?: string;
  /** JWKS endpoint for asymmetric keys (users' tokens from an identity provider). */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Longest a user's token may live, from its iat (JWT_MAX_AGE_SECONDS). Default 24 h. */
  maxAgeSeconds?: number;
  /**
   * Secret of service tokens (INTERNAL_JWT_SECRET): only where they are accepted (the candidate and
   * job subgraphs). Without it every service token is UNAUTHENTICATED (the gateway).
   */
  internalSecret?: string;
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
 * Verifies bearer tokens into a Principal; every failure is UNAUTHENTICATED. Users' tokens are
 * HS256 with JWT_SECRET or asymmetric from the JWKS, never both. A token for the audience
 * hiregraph-internal is a service token: checked only against the internal secret, and refused
 * where none is configured. Every token needs exp and iat, and may live JWT_MAX_AGE_SECONDS at most.
 */
export class TokenVerifier {
  private readonly key: JWTVerifyGetKey | Uint8Array;
  private readonly internal: Uint8Array | null;
  private readonly verified = new LRUCache<string, Principal>({ max: VERIFIED_MAX });
  private readonly maxAge: number;

  constructor(private readonly opts: VerifierOptions) {
    if (opts.secret && opts.jwksUrl)
      throw new Error('TokenVerifier takes a secret or a JWKS URL, not both: with a JWKS no HS256 token is a user');
    if (opts.jwksUrl) this.key = createRemoteJWKSet(new URL(opts.jwksUrl));
    else if (opts.secret) this.key = new TextEncoder().encode(opts.secret);
    else throw new Error('TokenVerifier needs a secret or a JWKS URL');
    this.internal = opts.internalSecret ? new TextEncoder().encode(opts.internalSecret) : null;
    this.maxAge = opts.maxAgeSeconds ?? 86_400;
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
    const token = match[1]!;
    let aud: unknown;
    try {
      aud = decodeJwt(token).aud;
    } catch {
      throw errors.unauthenticated('the token is not valid; sign in again');
    }
    if (aud === INTERNAL_AUDIENCE || (Array.isArray(aud) && aud.includes(INTERNAL_AUDIENCE)))
      return this.checkService(token);
    const payload = await verified(token, this.key, {
      issuer: this.opts.issuer,
      audience: this.opts.audience,
      algorithms: this.opts.jwksUrl ? JWKS_ALGORITHMS : ['HS256'],
      requiredClaims: ['exp', 'iat'],
      maxTokenAge: this.maxAge,
    });
    if (payload.exp! - payload.iat! > this.maxAge)
      throw errors.unauthenticated(
        `expected a token living at most ${this.maxAge} s (JWT_MAX_AGE_SECONDS), received one living ${payload.exp! - payload.iat!} s`,
      );
    return principalFrom(payload);
  }

  private async checkService(token: string): Promise<Principal> {
    if (!this.internal) throw errors.unauthenticated('service tokens are not accepted here; sign in as a user');
    const payload = await verified(token, this.internal, {
      issuer: INTERNAL_ISSUER,
      audience: INTERNAL_AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'iat'],
      maxTokenAge: SERVICE_MAX_AGE_SECONDS,
    });
    const { roles, tid } = payload as JWTPayload & { roles?: unknown; tid?: unknown };
    if (!Array.isArray(roles) || roles.length !== 1 || roles[0] !== SERVICE_ROLE)
      throw errors.unauthenticated(`expected a service token's roles to be ["${SERVICE_ROLE}"]`);
    if (typeof tid !== 'string') throw errors.unauthenticated('expected a "tid" claim in the service token');
    const p = principalFrom({ ...payload, roles: [] });
    return { ...p, service: p.userId };
  }
}

async function verified(
  token: string,
  key: JWTVerifyGetKey | Uint8Array,
  options: Parameters<typeof jwtVerify>[2],
): Promise<JWTPayload> {
  try {
    const result =
      typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
    return result.payload;
  } catch (err) {
    const code = (err as { code?: string; claim?: string }).code;
    const claim = (err as { claim?: string }).claim;
    const reason =
      code === 'ERR_JWT_EXPIRED'
        ? 'the token has expired'
        : code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && (claim === 'exp' || claim === 'iat')
          ? `the token's "${claim}" claim is missing or not acceptable`
          : 'the token is not valid';
    throw errors.unauthenticated(`${reason}; sign in again`);
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

/** What a caller acts as: inside its own tenant with an Access, or across tenants as a platform admin. */
export type Acting = Access | 'platform';
type ActingFor<A extends Acting> = A extends 'platform' ? 'platform' : ObjectId;

/**
 * The one tenant-role check. For an Access: the tenant the caller acts for, if its roles allow that
 * there (a service token: reads of its tenant only). For 'platform': 'platform', for a platform
 * admin. Otherwise FORBIDDEN, saying what was expected and what the token has; with `ifRefused`
 * 'null', null instead (and for no caller), for answers that are empty rather than refused.
 */
export function actingTenant<A extends Acting>(principal: Principal, access: A): ActingFor<A>;
export function actingTenant<A extends Acting>(
  principal: Principal | null,
  access: A,
  ifRefused: 'null',
): ActingFor<A> | null;
export function actingTenant(
  principal: Principal | null,
  access: Acting,
  ifRefused?: 'null',
): ObjectId | 'platform' | null {
  const refusal = principal ? refusalOf(principal, access) : 'expected a caller';
  if (refusal === null) return access === 'platform' ? 'platform' : principal!.tenantId;
  if (ifRefused === 'null') return null;
  throw errors.forbidden(refusal);
}

function refusalOf(principal: Principal, access: Acting): string | null {
  const has = principal.roles.join(', ') || 'none';
  if (access === 'platform')
    return principal.roles.includes('platform-admin') ? null : 'expected the platform-admin role';
  const verb = access === 'read' ? 'read' : 'change';
  if (principal.service)
    // serviceGate has already limited a service token to the entity reads it may make.
    return access === 'read' && principal.tenantId
      ? null
      : `expected a user's token to ${verb} this; received a service token`;
  if (!principal.tenantId) return `expected a token for a tenant; this token (roles: ${has}) has none`;
  if (!principal.roles.some((r) => GRANTS[access].includes(r)))
    return `expected one of the roles ${GRANTS[access].join(', ')} to ${verb} this; the token has ${has}`;
  return null;
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
 * The worker's service tokens, one per tenant, reused until a minute before they expire: signed
 * with INTERNAL_JWT_SECRET for the audience hiregraph-internal and the role `service`. The gateway
 * refuses them; the candidate and job subgraphs take them for their `_entities` reads only.
 */
export class ServiceTokens {
  private readonly cache = new LRUCache<string, { token: Promise<string>; until: number }>({ max: 10_000 });
  private readonly key: Uint8Array;

  /** @param internalSecret INTERNAL_JWT_SECRET, never the users' JWT_SECRET */
  constructor(internalSecret: string) {
    this.key = new TextEncoder().encode(internalSecret);
  }

  /** An Authorization header value for the tenant. */
  async authorization(tenantId: string): Promise<string> {
    const now = Date.now();
    let entry = this.cache.get(tenantId);
    if (!entry || entry.until < now) {
      entry = {
        token: new SignJWT({ tid: tenantId, roles: [SERVICE_ROLE] })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(WORKER_SUBJECT)
          .setIssuer(INTERNAL_ISSUER)
          .setAudience(INTERNAL_AUDIENCE)
          .setIssuedAt()
          .setExpirationTime(`${SERVICE_TOKEN_SECONDS}s`)
          .sign(this.key),
        until: now + (SERVICE_TOKEN_SECONDS - 60) * 1000,
      };
      entry.token.catch(() => this.cache.delete(tenantId));
      this.cache.set(tenantId, entry);
    }
    return `Bearer ${await entry.token}`;
  }
}
