import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadSpecTests } from '../support/unified/runner';
import { startTestMongo, type TestMongo } from '../support/mongo';

/**
 * MongoDB's own CRUD unified spec tests, run through the official driver against the embedded
 * server (or MONGODB_URI). The data lives beside the checkout in ../shared/mongo-spec.
 */
const SPEC_DIR = resolve(__dirname, '../../../../../shared/mongo-spec/crud-unified');

if (!existsSync(SPEC_DIR)) {
  describe('MongoDB CRUD unified spec tests', () => {
    it.skip(`skipped: ${SPEC_DIR} does not exist`, () => undefined);
  });
} else {
  let mongo: TestMongo;
  beforeAll(async () => {
    mongo = await startTestMongo();
  });
  afterAll(async () => {
    await mongo?.close();
  });

  const tests = loadSpecTests(SPEC_DIR, () => mongo.uri, { version: [7, 0, 0], topology: 'single' });
  const counts = { run: 0, skipped: 0 };
  const reasons = new Map<string, number>();
  const byFile = new Map<string, typeof tests>();
  for (const t of tests) byFile.set(t.file, [...(byFile.get(t.file) ?? []), t]);

  describe('MongoDB CRUD unified spec tests', () => {
    for (const [file, list] of byFile) {
      describe(file, () => {
        for (const t of list) {
          if (t.skip) {
            counts.skipped++;
            reasons.set(t.skip, (reasons.get(t.skip) ?? 0) + 1);
            it.skip(`${t.description} (${t.skip})`, () => undefined);
          } else {
            counts.run++;
            it(t.description, t.run);
          }
        }
      });
    }
    afterAll(() => {
      const why = [...reasons].map(([r, n]) => `  ${n} skipped: ${r}`).join('\n');
      process.stdout.write(
        `CRUD spec tests: ${tests.length} in all, ${counts.run} run, ${counts.skipped} skipped\n${why}\n`,
      );
    });
  });
}
