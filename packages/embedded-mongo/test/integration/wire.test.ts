import { Writable } from 'node:stream';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { EmbeddedMongo } from '../../src';
import { useTestDatabase, type AnyDoc } from '../support/mongo';
import { header, opMsg, opQuery, RawWire, replyDoc } from '../support/wire-client';

/** Wire protocol framing with raw sockets: what any server speaking MongoDB's protocol must do. */
const t = useTestDatabase('wire');
let host: string;
let port: number;
const sockets: RawWire[] = [];

async function open(): Promise<RawWire> {
  const w = await RawWire.open(host, port);
  sockets.push(w);
  return w;
}

beforeAll(async () => {
  const url = new URL(t.mongo().uri);
  host = url.hostname;
  port = Number(url.port || 27017);
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

test('the legacy OP_QUERY hello handshake is answered with OP_REPLY', async () => {
  const w = await open();
  w.send(opQuery(7, 'admin', { isMaster: 1 }));
  const reply = replyDoc(await w.next());
  expect(reply.opCode).toBe(1);
  expect(reply.responseTo).toBe(7);
  expect(reply.doc.ismaster).toBe(true);
  expect(reply.doc.maxWireVersion).toBeGreaterThanOrEqual(21);
});

test('OP_MSG document sequences carry an insert batch', async () => {
  const w = await open();
  const coll = `seq_${Date.now()}`;
  w.send(opMsg(8, { insert: coll, $db: t.db().databaseName }, { documents: [{ _id: 1 }, { _id: 2 }, { _id: 3 }] }));
  const reply = replyDoc(await w.next());
  expect(reply.opCode).toBe(2013);
  expect(reply.doc).toMatchObject({ n: 3, ok: 1 });
  expect(await t.db().collection<AnyDoc>(coll).countDocuments()).toBe(3);
});

test('a directConnection=true URI connects', async () => {
  const url = new URL(t.mongo().uri);
  url.searchParams.set('directConnection', 'true');
  const c = new MongoClient(url.toString());
  try {
    expect((await c.db('admin').command({ ping: 1 })).ok).toBe(1);
  } finally {
    await c.close();
  }
});

/**
 * How the project's own server treats bad frames: it closes that connection, logs why, and keeps
 * serving others. Always the embedded server, whatever MONGODB_URI says.
 */
describe('embedded server: bad frames', () => {
  let server: EmbeddedMongo;
  let client: MongoClient;
  const lines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    server = await EmbeddedMongo.start({ logger: pino({ level: 'warn' }, sink) });
    client = new MongoClient(server.uri);
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });
  const rawOpen = async (): Promise<RawWire> => {
    const w = await RawWire.open('127.0.0.1', server.port);
    sockets.push(w);
    return w;
  };
  const stillServing = async (): Promise<void> => {
    expect((await client.db('admin').command({ ping: 1 })).ok).toBe(1);
  };

  test('an unknown opcode closes that connection only, with the reason logged', async () => {
    const w = await rawOpen();
    w.send(Buffer.concat([header(20, 9, 4242), Buffer.alloc(4)]));
    await w.closed;
    expect(lines.join('')).toContain('unsupported opcode 4242');
    await stillServing();
  });

  test('a message longer than 48 MB closes the connection before it is read', async () => {
    const w = await rawOpen();
    w.send(header(64 * 1024 * 1024, 10, 2013));
    await w.closed;
    expect(lines.join('')).toContain('outside 16..48000000 bytes');
    await stillServing();
  });

  test('a corrupt BSON body closes the connection', async () => {
    const w = await rawOpen();
    const body = Buffer.from([0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0x02, 0x61, 0]);
    w.send(Buffer.concat([header(16 + body.length, 11, 2013), body]));
    await w.closed;
    expect(lines.join('')).toMatch(/overruns the message|invalid BSON/);
    await stillServing();
  });

  test('close() is safe to call twice', async () => {
    const other = await EmbeddedMongo.start();
    await other.close();
    await expect(other.close()).resolves.toBeUndefined();
  });
});
