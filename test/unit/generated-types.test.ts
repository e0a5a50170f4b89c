import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { generatedFile, SUBGRAPH_NAMES } from '../../codegen';

const ROOT = resolve(__dirname, '../..');

// The generator's CLI loads ESM-only modules, which Jest's module sandbox does not allow: it runs
// in one plain Node process, from codegen.ts as `npm run codegen` does, with writing off.
const GENERATE = `
import { generate, loadContext } from '@graphql-codegen/cli';
const outputs = await generate(await loadContext('codegen.ts'), false);
process.stdout.write(JSON.stringify(outputs.map((o) => [o.filename, o.content])));
`;

/** What `npm run codegen` would write, by path from the root. */
let fresh: Map<string, string>;

beforeAll(() => {
  const outputs = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', GENERATE], { cwd: ROOT, encoding: 'utf8' }),
  ) as Array<[string, string]>;
  fresh = new Map(outputs.map(([file, content]) => [relative(ROOT, resolve(ROOT, file)), content]));
});

test('codegen.ts generates one resolver-types file for every subgraph', () => {
  const folders = readdirSync(resolve(ROOT, 'subgraphs'), { withFileTypes: true }).filter((d) => d.isDirectory());
  expect([...SUBGRAPH_NAMES].sort()).toEqual(folders.map((d) => d.name).sort());
  expect([...fresh.keys()].sort()).toEqual(SUBGRAPH_NAMES.map(generatedFile).sort());
});

test.each(SUBGRAPH_NAMES)(
  'the committed %s resolver types are what its schema.graphql generates (run `npm run codegen`)',
  (name) => {
    expect(readFileSync(resolve(ROOT, generatedFile(name)), 'utf8')).toBe(fresh.get(generatedFile(name)));
  },
);
