import { ConfigError, DEV_JWT_SECRET, jwtSecret, loadConfig } from '../../shared/config';

describe('configuration', () => {
  test('defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ GATEWAY_PORT: 4000, TENANT_PORT: 4001, MONGODB_DB: 'hiregraph', INTROSPECTION: true, production: false });
    expect(c.CANDIDATE_URL).toBe('http://127.0.0.1:4002/graphql');
    expect(jwtSecret(c)).toBe(DEV_JWT_SECRET);
  });

  test('a subgraph URL follows its port unless given', () => {
    expect(loadConfig({ JOB_PORT: '5003' }).JOB_URL).toBe('http://127.0.0.1:5003/graphql');
    expect(loadConfig({ JOB_PORT: '5003', JOB_URL: 'http://job:4003/graphql' }).JOB_URL).toBe('http://job:4003/graphql');
  });

  test('every bad variable is named at once', () => {
    let err: unknown;
    try {
      loadConfig({ GATEWAY_PORT: 'x', LOG_LEVEL: 'loud', INTROSPECTION: 'maybe', JWT_JWKS_URL: 'not a url' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of ['GATEWAY_PORT', 'LOG_LEVEL', 'INTROSPECTION', 'JWT_JWKS_URL']) expect(problems).toContain(name);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://ok.example, not-an-origin' })).toThrow(/CORS_ORIGINS/);
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example,https://b.example' }).CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
  });

  test('production needs a real signing key and turns introspection off', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET or JWT_JWKS_URL/);
    const c = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) });
    expect(c.INTROSPECTION).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), INTROSPECTION: 'true' }).INTROSPECTION).toBe(true);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/at least 32/);
  });
});
