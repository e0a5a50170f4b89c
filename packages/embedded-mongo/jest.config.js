/** The package's own tests, runnable alone: `npm test` here, or with the project's from the root. */
const project = (name) => ({
  displayName: `embedded-mongo:${name}`,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
});

module.exports = {
  projects: [project('unit'), project('integration')],
  testTimeout: 60_000,
  maxWorkers: 2,
};
