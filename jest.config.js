/**
 * Jest: TypeScript transpiled by ts-jest without type checking (that is `npm run typecheck`).
 * Three projects by what a test starts: `unit` (no servers, no network), `integration` (real
 * Redis, the embedded MongoDB through the driver, a single component), `e2e` (the whole graph or
 * separate processes). The embedded MongoDB package's own tests join the first two.
 */
const project = (name, ...dirs) => ({
  displayName: name,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testMatch: dirs.map((d) => `<rootDir>/${d}/**/*.test.ts`),
});

module.exports = {
  projects: [
    project('unit', 'test/unit', 'packages/*/test/unit'),
    project('integration', 'test/integration', 'packages/*/test/integration'),
    project('e2e', 'test/e2e'),
  ],
  testTimeout: 60_000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
