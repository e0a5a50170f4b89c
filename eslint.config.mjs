import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier/flat';
import tseslint from 'typescript-eslint';

/**
 * Which way code may depend (see the README's layout): shared/ is the floor and imports no app code;
 * the gateway imports no subgraph; a subgraph imports no other subgraph; none of them imports the
 * embedded MongoDB package (a dev dependency) or scripts, tests and benchmarks. Matched on the
 * import's text, so relative and absolute forms are both caught.
 */
const folder = (names) => ({ regex: `(^|/)(${names.join('|')})(/|$)` });
const APP_ONLY = ['scripts', 'bench', 'test', 'packages'];
const devOnly = {
  regex: '^@hiregraph/embedded-mongo',
  message: 'the embedded MongoDB server is a dev dependency; production code connects with MONGODB_URI',
};
const restrict = (files, names, message, extra = []) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ ...folder(names), message }, ...extra] }] },
});
const subgraphs = readdirSync(`${import.meta.dirname}/subgraphs`, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const boundaries = [
  restrict(
    ['shared/**/*.ts'],
    ['gateway', 'subgraphs', ...APP_ONLY],
    'shared/ is the floor every process stands on: it imports no gateway, subgraph, script or test code',
    [devOnly],
  ),
  restrict(
    ['gateway/**/*.ts'],
    ['subgraphs', ...APP_ONLY],
    'the gateway knows subgraphs only by their schema and URL, never by their code',
    [devOnly],
  ),
  ...subgraphs.map((name) =>
    restrict(
      [`subgraphs/${name}/**/*.ts`],
      ['gateway', ...subgraphs.filter((n) => n !== name), ...APP_ONLY],
      `a subgraph owns its data and reads another's only through that subgraph's _entities (see EntityClient)`,
      [devOnly],
    ),
  ),
  restrict(
    ['packages/embedded-mongo/**/*.ts'],
    ['shared', 'gateway', 'subgraphs', 'scripts', 'bench'],
    'the embedded MongoDB server is a package of its own and imports nothing of Hiregraph',
  ),
];

export default tseslint.config(
  // Generated resolver types (npm run codegen) are checked by tsc and by their freshness test, not linted.
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'subgraphs/*/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  ...boundaries,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The IDE's boot script runs in the browser, on the globals its <script> tags define.
    files: ['gateway/ide/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        location: 'readonly',
        document: 'readonly',
        React: 'readonly',
        ReactDOM: 'readonly',
        GraphiQL: 'readonly',
        graphqlWs: 'readonly',
      },
    },
  },
  // Formatting is Prettier's (`prettier --check .` in `npm run lint`); no ESLint rule argues with it.
  prettier,
);
