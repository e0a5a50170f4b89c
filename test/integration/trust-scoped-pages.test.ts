import { MongoClient, ObjectId, type CommandStartedEvent } from 'mongodb';
import { TenantScoped, UNIONS_PER_AGGREGATE } from '../../shared/mongo/scoped';
import { startTestMongo, uniqueDbName, type TestMongo } from '../support/mongo';

/**
 * newestPerKey: a page per parent with a limit per parent, tenant-scoped inside every $unionWith,
 * and split so no pipeline passes MongoDB's 1,000-stage limit. Against the test MongoDB (the
 * embedded server, or MONGODB_URI), commands seen through the driver's command monitoring.
 */
let mongo: TestMongo;
let client: MongoClient;
const started: CommandStartedEvent[] = [];
const dbName = uniqueDbName('pages');
beforeAll(async () => {
  mongo = await startTestMongo();
  client = new MongoClient(mongo.uri, { monitorCommands: true });
  client.on('commandStarted', (e) => started.push(e));
  await client.connect();
});
afterAll(async () => {
  await client.db(dbName).dropDatabase();
  await client.close();
  await mongo.close();
});

interface Row {
  _id: ObjectId;
  tenantId: ObjectId;
  parent: ObjectId;
  n: number;
}

test('1,201 parents: 3 aggregates, the newest 2 of each, nothing of another tenant', async () => {
  const coll = client.db(dbName).collection<Row>('rows');
  await coll.createIndex({ tenantId: 1, parent: 1, _id: -1 });
  const [mine, theirs] = [new ObjectId(), new ObjectId()];
  const parents = Array.from({ length: 1201 }, () => new ObjectId());
  const docs: Row[] = parents.flatMap((parent) =>
    [0, 1, 2].map((n) => ({ _id: new ObjectId(), tenantId: mine, parent, n })),
  );
  // Another tenant's newer documents under the same parents must not show.
  docs.push(...parents.slice(0, 10).map((parent) => ({ _id: new ObjectId(), tenantId: theirs, parent, n: 9 })));
  await coll.insertMany(docs);
  started.length = 0;
  const rows = await new TenantScoped(coll, mine).newestPerKey('parent', [...parents, parents[0]!], {}, 2);
  const aggregates = started.filter((e) => e.commandName === 'aggregate');
  expect(aggregates).toHaveLength(Math.ceil(1201 / UNIONS_PER_AGGREGATE));
  for (const a of aggregates) {
    const pipeline = a.command.pipeline as Array<
      Record<string, { pipeline?: Array<{ $match?: { tenantId?: ObjectId } }> }>
    >;
    expect(pipeline.length).toBeLessThanOrEqual(1000);
    for (const stage of pipeline.filter((s) => '$unionWith' in s))
      expect(stage.$unionWith!.pipeline![0]!.$match!.tenantId).toEqual(mine);
  }
  expect(rows).toHaveLength(1201 * 2);
  expect(rows.every((r) => r.tenantId.equals(mine) && r.n !== 0)).toBe(true);
  expect(rows.filter((r) => r.parent.equals(parents[0]!)).map((r) => r.n)).toEqual([2, 1]);
});
