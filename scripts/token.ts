import { parseArgs } from 'node:util';
import { decodeJwt } from 'jose';
import { MongoClient } from 'mongodb';
import { ROLES, signToken, type Role } from '../shared/auth';
import { ConfigError, jwtSecret, loadConfig, planLimitsOf } from '../shared/config';
import { TenantRepository } from '../subgraphs/tenant/repository';
import { runningMongoUri } from './running-mongo';

/** `npm run token -- --tenant <id-or-slug> --role <role> [--sub <user>] [--expires 12h]`: a signed JWT for local use. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      role: { type: 'string' },
      sub: { type: 'string', default: 'local-user' },
      expires: { type: 'string', default: '12h' },
    },
  });
  // Beside `npm start` (NODE_ENV=development); a deployment's own NODE_ENV and secrets win.
  const config = loadConfig({ ...process.env, NODE_ENV: process.env.NODE_ENV || 'development' });
  const secret = jwtSecret(config);
  if (!secret) throw new Error("JWT_JWKS_URL is set: users' tokens come from your identity provider");
  const role = values.role as Role;
  if (!ROLES.includes(role))
    throw new Error(`--role must be one of ${ROLES.join(', ')}, received ${values.role ?? 'nothing'}`);
  let tid: string | undefined;
  if (values.tenant) {
    if (/^[0-9a-f]{24}$/.test(values.tenant)) tid = values.tenant;
    else {
      const uri = runningMongoUri(config);
      if (!uri)
        throw new Error(
          'a tenant slug needs the database: start Hiregraph with `npm start` or set MONGODB_URI, or pass the tenant id',
        );
      const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 3000 });
      try {
        const doc = await new TenantRepository(client.db(config.MONGODB_DB), planLimitsOf(config)).findBySlug(
          values.tenant,
        );
        if (!doc) throw new Error(`no tenant with slug "${values.tenant}"`);
        tid = doc._id.toHexString();
      } finally {
        await client.close();
      }
    }
  } else if (role !== 'platform-admin') throw new Error('--tenant is required for every role but platform-admin');
  const token = await signToken(
    secret,
    { sub: values.sub!, tid, roles: [role] },
    { expiresIn: values.expires, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE },
  );
  const { exp, iat } = decodeJwt(token);
  if (exp! - iat! > config.JWT_MAX_AGE_SECONDS)
    throw new Error(
      `--expires must be at most JWT_MAX_AGE_SECONDS (${config.JWT_MAX_AGE_SECONDS} s), received ${values.expires}: the servers would refuse the token`,
    );
  process.stdout.write(`${token}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`token: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exit(1);
});
