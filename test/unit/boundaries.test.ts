import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The layout's dependency rules are enforced by lint, so `npm test` fails on a violation. */
const ROOT = resolve(__dirname, '../..');

// ESLint loads its flat config with import(), which Jest's module sandbox does not allow: every
// case is linted in one plain Node process, with the project's own config.
const LINT = `
import { ESLint } from 'eslint';
const cases = JSON.parse(process.argv[1]);
const eslint = new ESLint({ cwd: process.cwd() });
const out = [];
for (const [filePath, from] of cases) {
  const [r] = await eslint.lintText("import { x } from '" + from + "';\\nexport const y = x;\\n", { filePath });
  out.push(r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
}
process.stdout.write(JSON.stringify(out));
`;

const refused: Array<[string, string, RegExp]> = [
  ['shared/graphql/new.ts', '../../gateway/server', /shared\/ is the floor/],
  ['shared/new.ts', '../subgraphs/job/repository', /shared\/ is the floor/],
  ['shared/new.ts', '../scripts/stack', /shared\/ is the floor/],
  ['gateway/new.ts', '../subgraphs/assessment/store/view', /knows subgraphs only by their schema/],
  ['subgraphs/assessment/new.ts', '../candidate/repository', /reads another's only through/],
  ['subgraphs/assessment/agents/new.ts', '../../job/repository', /reads another's only through/],
  ['subgraphs/assessment/engine/new.ts', '../../candidate/repository', /reads another's only through/],
  ['subgraphs/job/new.ts', '../../subgraphs/tenant/loaders', /reads another's only through/],
  ['subgraphs/tenant/new.ts', '../../gateway/admission/limits', /reads another's only through/],
  ['subgraphs/candidate/new.ts', '@hiregraph/embedded-mongo', /dev dependency/],
  ['packages/embedded-mongo/src/new.ts', '../../../shared/errors', /imports nothing of Hiregraph/],
];
const allowed: Array<[string, string]> = [
  ['subgraphs/assessment/engine/steps-new.ts', '../../../shared/graphql/entity-client'],
  ['subgraphs/assessment/agents/new.ts', '../store/model'],
  ['subgraphs/assessment/graph/new.ts', '../engine/queue'],
  ['gateway/new.ts', '../shared/auth'],
  ['scripts/new.ts', '../subgraphs/candidate/server'],
  ['test/support/new.ts', '@hiregraph/embedded-mongo'],
];
let messages: string[][];
beforeAll(() => {
  const cases = [...refused.map(([f, i]) => [f, i]), ...allowed];
  messages = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', LINT, JSON.stringify(cases)], {
      cwd: ROOT,
      encoding: 'utf8',
    }),
  ) as string[][];
});

test.each(refused.map((c, i) => [...c, i] as const))('%s may not import %s', (_file, _from, why, i) => {
  expect(messages[i]).toHaveLength(1);
  expect(messages[i]![0]).toMatch(why);
});

test.each(allowed.map((c, i) => [...c, refused.length + i] as const))('%s may import %s', (_file, _from, i) => {
  expect(messages[i]).toEqual([]);
});
