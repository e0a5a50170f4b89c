import type { Config } from './config';
import { ConfigError } from './config-error';

/**
 * Which secrets a process may run with (issue 21). The development ones are published in this
 * file, so they work only with NODE_ENV=development; everything else needs real ones.
 */
type Env = Record<string, string | undefined>;

/** The published development signing secret: only with NODE_ENV=development. */
export const DEV_JWT_SECRET = 'hiregraph-dev-secret-change-me-0123456789';
/** The published development secret of service tokens: only with NODE_ENV=development. */
export const DEV_INTERNAL_JWT_SECRET = 'hiregraph-dev-internal-secret-change-me-0123';
/** The audience of service tokens; no user token may carry it. */
export const INTERNAL_AUDIENCE = 'hiregraph-internal';

const nodeEnv = (env: Env) => (env.NODE_ENV ? `"${env.NODE_ENV}"` : 'unset');

/** What is wrong with the secrets of a configuration being loaded (`out`, from `env`). */
export function credentialProblems(out: Record<string, unknown>, env: Env): string[] {
  const problems: string[] = [];
  const development = env.NODE_ENV === 'development';
  const secret = out.JWT_SECRET as string | undefined;
  const internal = out.INTERNAL_JWT_SECRET as string | undefined;
  if (!secret && !out.JWT_JWKS_URL && !development)
    problems.push(
      `JWT_SECRET or JWT_JWKS_URL: one is required unless NODE_ENV=development (NODE_ENV is ${nodeEnv(env)}); the development secret is published`,
    );
  if (secret !== undefined && secret.length < 32)
    problems.push('JWT_SECRET: expected at least 32 characters for HS256');
  if (internal !== undefined && internal.length < 32)
    problems.push('INTERNAL_JWT_SECRET: expected at least 32 characters for HS256');
  if (internal !== undefined && internal === secret)
    problems.push('INTERNAL_JWT_SECRET: expected a secret of its own, received the same as JWT_SECRET');
  if (!development) {
    if (secret === DEV_JWT_SECRET)
      problems.push(`JWT_SECRET: the published development secret is refused unless NODE_ENV=development`);
    if (internal === DEV_INTERNAL_JWT_SECRET)
      problems.push(`INTERNAL_JWT_SECRET: the published development secret is refused unless NODE_ENV=development`);
  }
  if (out.JWT_JWKS_URL) {
    if (!out.JWT_ISSUER) problems.push("JWT_ISSUER: required with JWT_JWKS_URL (the identity provider's issuer)");
    if (!out.JWT_AUDIENCE) problems.push('JWT_AUDIENCE: required with JWT_JWKS_URL (the audience of your tokens)');
    if (secret)
      problems.push(
        'JWT_SECRET: not allowed with JWT_JWKS_URL: users sign in through the identity provider, no HS256 token carries a user role; the worker uses INTERNAL_JWT_SECRET',
      );
  }
  if (out.JWT_AUDIENCE === INTERNAL_AUDIENCE)
    problems.push(`JWT_AUDIENCE: "${INTERNAL_AUDIENCE}" is reserved for service tokens`);
  return problems;
}

/** The HS256 secret of users' tokens: JWT_SECRET, the development default, or none (JWKS). */
export function jwtSecret(config: Config): string | undefined {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  return config.development && !config.JWT_JWKS_URL ? DEV_JWT_SECRET : undefined;
}

/** The secret of service tokens, for the processes that sign or accept them (worker, candidate and job subgraphs). */
export function internalJwtSecret(config: Config): string {
  if (config.INTERNAL_JWT_SECRET) return config.INTERNAL_JWT_SECRET;
  if (config.development) return DEV_INTERNAL_JWT_SECRET;
  throw new ConfigError([
    `INTERNAL_JWT_SECRET: required by the worker and the candidate and job subgraphs unless NODE_ENV=development (NODE_ENV is ${config.NODE_ENV ? `"${config.NODE_ENV}"` : 'unset'})`,
  ]);
}
