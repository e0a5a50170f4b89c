import { DEV_INTERNAL_JWT_SECRET, DEV_JWT_SECRET, internalJwtSecret, jwtSecret, loadConfig } from '../../shared/config';

/** Which secrets a process may start with (issue 21): the published ones only with NODE_ENV=development. */
const REAL = 'r'.repeat(40);
const INTERNAL = 'i'.repeat(40);

test('without JWT_SECRET or a JWKS, only NODE_ENV=development starts, on the development secrets', () => {
  for (const NODE_ENV of [undefined, 'test', 'staging', 'prod', 'Development', 'production']) {
    const env = NODE_ENV === undefined ? {} : { NODE_ENV };
    expect(() => loadConfig(env)).toThrow(/JWT_SECRET or JWT_JWKS_URL: one is required unless NODE_ENV=development/);
  }
  const dev = loadConfig({ NODE_ENV: 'development' });
  expect(jwtSecret(dev)).toBe(DEV_JWT_SECRET);
  expect(internalJwtSecret(dev)).toBe(DEV_INTERNAL_JWT_SECRET);
});

test('the published development secrets are refused outside development, even when set explicitly', () => {
  expect(() => loadConfig({ NODE_ENV: 'staging', JWT_SECRET: DEV_JWT_SECRET })).toThrow(/JWT_SECRET: the published/);
  expect(() =>
    loadConfig({ NODE_ENV: 'production', JWT_SECRET: REAL, INTERNAL_JWT_SECRET: DEV_INTERNAL_JWT_SECRET }),
  ).toThrow(/INTERNAL_JWT_SECRET: the published/);
});

test('the worker and the entity-reading subgraphs need INTERNAL_JWT_SECRET: 32+ characters, not JWT_SECRET', () => {
  const c = loadConfig({ NODE_ENV: 'production', JWT_SECRET: REAL });
  expect(() => internalJwtSecret(c)).toThrow(/INTERNAL_JWT_SECRET: required by the worker/);
  expect(
    internalJwtSecret(loadConfig({ NODE_ENV: 'production', JWT_SECRET: REAL, INTERNAL_JWT_SECRET: INTERNAL })),
  ).toBe(INTERNAL);
  expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: REAL, INTERNAL_JWT_SECRET: 'short' })).toThrow(
    /INTERNAL_JWT_SECRET: expected at least 32/,
  );
  expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: REAL, INTERNAL_JWT_SECRET: REAL })).toThrow(
    /INTERNAL_JWT_SECRET: expected a secret of its own/,
  );
});

test('a JWKS needs JWT_ISSUER and JWT_AUDIENCE, and takes no JWT_SECRET beside it', () => {
  const jwks = { NODE_ENV: 'production', JWT_JWKS_URL: 'https://id.example/jwks.json' };
  let problems = '';
  try {
    loadConfig(jwks);
  } catch (err) {
    problems = (err as Error).message;
  }
  expect(problems).toMatch(/JWT_ISSUER: required with JWT_JWKS_URL/);
  expect(problems).toMatch(/JWT_AUDIENCE: required with JWT_JWKS_URL/);
  const full = { ...jwks, JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'hiregraph' };
  expect(jwtSecret(loadConfig(full))).toBeUndefined();
  expect(() => loadConfig({ ...full, JWT_SECRET: REAL })).toThrow(/JWT_SECRET: not allowed with JWT_JWKS_URL/);
  expect(() => loadConfig({ ...full, JWT_AUDIENCE: 'hiregraph-internal' })).toThrow(/reserved for service tokens/);
});

test('JWT_MAX_AGE_SECONDS defaults to a day; METRICS_PORT to 9464', () => {
  const c = loadConfig({ NODE_ENV: 'development' });
  expect(c.JWT_MAX_AGE_SECONDS).toBe(86_400);
  expect(c.METRICS_PORT).toBe(9464);
  expect(() => loadConfig({ NODE_ENV: 'development', JWT_MAX_AGE_SECONDS: '10' })).toThrow(/JWT_MAX_AGE_SECONDS/);
});
