import { ConfigError, DEV_JWT_SECRET, jwtSecret, loadConfig } from '../../shared/config';

describe('configuration', () => {
  test('defaults', () => {
    const c = loadConfig({ NODE_ENV: 'development' });
    expect(c).toMatchObject({
      GATEWAY_PORT: 4000,
      TENANT_PORT: 4001,
      MONGODB_DB: 'hiregraph',
      INTROSPECTION: true,
      production: false,
    });
    expect(c.CANDIDATE_URL).toBe('http://127.0.0.1:4002/graphql');
    expect(jwtSecret(c)).toBe(DEV_JWT_SECRET);
  });

  test('a subgraph URL follows its port unless given', () => {
    expect(loadConfig({ NODE_ENV: 'development', JOB_PORT: '5003' }).JOB_URL).toBe('http://127.0.0.1:5003/graphql');
    expect(loadConfig({ NODE_ENV: 'development', JOB_PORT: '5003', JOB_URL: 'http://job:4003/graphql' }).JOB_URL).toBe(
      'http://job:4003/graphql',
    );
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
    expect(() => loadConfig({ NODE_ENV: 'development', CORS_ORIGINS: 'https://ok.example, not-an-origin' })).toThrow(
      /CORS_ORIGINS/,
    );
    expect(
      loadConfig({ NODE_ENV: 'development', CORS_ORIGINS: 'https://a.example,https://b.example' }).CORS_ORIGINS,
    ).toEqual(['https://a.example', 'https://b.example']);
  });

  test('tracing is off unless an OTLP endpoint is given; the sampling ratio is a share', () => {
    expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      OTEL_TRACES_SAMPLER_ARG: 1,
      GRAPHQL_IDE: true,
    });
    expect(
      loadConfig({
        NODE_ENV: 'development',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }),
    ).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_SAMPLER_ARG: 0.25 });
    expect(() => loadConfig({ NODE_ENV: 'development', OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(
      /OTEL_TRACES_SAMPLER_ARG: expected a number from 0 to 1, received "2"/,
    );
    expect(() => loadConfig({ NODE_ENV: 'development', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: expected a URL/,
    );
  });

  test('production needs a real signing key and turns introspection off', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET or JWT_JWKS_URL/);
    const c = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) });
    expect(c.INTROSPECTION).toBe(false);
    expect(c.GRAPHQL_IDE).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), GRAPHQL_IDE: 'true' }).GRAPHQL_IDE).toBe(
      true,
    );
    expect(
      loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), INTROSPECTION: 'true' }).INTROSPECTION,
    ).toBe(true);
    expect(() => loadConfig({ NODE_ENV: 'development', JWT_SECRET: 'short' })).toThrow(/at least 32/);
  });

  test('PLAN_LIMITS_<PLAN>: JSON over the built-in limits, each value checked, every bad one named', () => {
    const c = loadConfig({
      NODE_ENV: 'development',
      PLAN_LIMITS_TEAM: '{"requestsPerMinute":700,"maxQueryCost":5000}',
    });
    expect(c.PLAN_LIMITS_TEAM).toEqual({
      requestsPerMinute: 700,
      assessmentsPerHour: 200,
      maxCandidates: 20_000,
      maxQueryCost: 5000,
    });
    expect(c.PLAN_LIMITS_FREE).toEqual({ requestsPerMinute: 120, assessmentsPerHour: 20, maxCandidates: 500 });
    let err: unknown;
    try {
      loadConfig({
        NODE_ENV: 'development',
        PLAN_LIMITS_FREE: 'requestsPerMinute=5',
        PLAN_LIMITS_TEAM: '{"requestsPerMinut":5}',
        PLAN_LIMITS_ENTERPRISE: '{"maxCandidates":0}',
        RATE_LIMIT_USER_SHARE: '0',
      });
    } catch (e) {
      err = e;
    }
    const problems = (err as ConfigError).problems;
    expect(problems).toEqual([
      expect.stringMatching(/^PLAN_LIMITS_FREE: expected a JSON object/),
      expect.stringMatching(/^PLAN_LIMITS_TEAM: expected only the keys .*received "requestsPerMinut"/),
      expect.stringMatching(
        /^PLAN_LIMITS_ENTERPRISE: expected maxCandidates to be a whole number from 1 to 1000000000, received 0/,
      ),
      expect.stringMatching(/^RATE_LIMIT_USER_SHARE: expected a share above 0/),
    ]);
  });
});
