/**
 * The one place tests get their signing secrets. Jest runs with NODE_ENV=test, where the published
 * development secrets are refused (as in every NODE_ENV but development), so every harness, bench
 * and fuzz/chaos/soak script passes these explicitly.
 */
export const TEST_JWT_SECRET = 'hiregraph-test-secret-not-for-deployments-0123';
export const TEST_INTERNAL_JWT_SECRET = 'hiregraph-test-internal-secret-not-for-deployments';

/** What a test's configuration (or a process it spawns) needs: both secrets, and /metrics on any free port. */
export const TEST_ENV: Readonly<Record<string, string>> = {
  JWT_SECRET: TEST_JWT_SECRET,
  INTERNAL_JWT_SECRET: TEST_INTERNAL_JWT_SECRET,
  METRICS_PORT: '0',
};
