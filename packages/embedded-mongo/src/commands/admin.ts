import { Long } from 'bson';
import { CODES, ServerError } from '../errors';
import { compileFilter } from '../query/match';
import type { Doc } from '../query/values';
import type { Handler } from './context';

/** The MongoDB release whose wire protocol and replies the server reproduces. */
export const EMULATED_VERSION = '7.0.0';
export const MAX_WIRE_VERSION = 21;
export const MAX_MESSAGE_BYTES = 48_000_000;
export const MAX_BSON_BYTES = 16 * 1024 * 1024;

// No topologyVersion: it would switch drivers to the streaming (awaitable) hello protocol, which
// a standalone with nothing to announce gains nothing from; drivers then poll every 10 s instead.
const hello: Handler = (cmd, ctx) => {
  const legacy = cmd.isMaster !== undefined || cmd.ismaster !== undefined;
  return {
    ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
    helloOk: true,
    maxBsonObjectSize: MAX_BSON_BYTES,
    maxMessageSizeBytes: MAX_MESSAGE_BYTES,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: ctx.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  };
};

const buildInfo: Handler = () => ({
  version: EMULATED_VERSION,
  gitVersion: 'hiregraph-embedded',
  versionArray: [7, 0, 0, 0],
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_BYTES,
  storageEngines: ['hiregraph-journal'],
  javascriptEngine: 'none',
  modules: [],
  ok: 1,
});

const PARAMETERS: Doc = {
  featureCompatibilityVersion: { version: '7.0' },
  authenticationMechanisms: [],
  requireApiVersion: false,
  transactionLifetimeLimitSeconds: 60,
};

const getParameter: Handler = (cmd) => {
  if (cmd.getParameter === '*') return { ...PARAMETERS, ok: 1 };
  const out: Doc = {};
  for (const k of Object.keys(cmd)) if (k in PARAMETERS) out[k] = PARAMETERS[k];
  if (Object.keys(out).length === 0) throw new ServerError(CODES.InvalidOptions, 'no option found to get');
  return { ...out, ok: 1 };
};

const listDatabases: Handler = (cmd, ctx) => {
  const filter = compileFilter(cmd.filter ?? {});
  const databases = ctx.store
    .databases()
    .map((name) => ({ name, sizeOnDisk: 0, empty: false }))
    .filter((d) => filter(d));
  if (cmd.nameOnly === true) return { databases: databases.map((d) => ({ name: d.name })), ok: 1 };
  return { databases, totalSize: 0, totalSizeMb: 0, ok: 1 };
};

const ok: Handler = () => ({ ok: 1 });

const hostInfo: Handler = () => ({
  system: { currentTime: new Date(), hostname: 'localhost', cpuAddrSize: 64 },
  os: { type: process.platform },
  extra: {},
  ok: 1,
});

const whatsmyuri: Handler = () => ({ you: '127.0.0.1', ok: 1 });

const connectionStatus: Handler = () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 });

const serverStatus: Handler = (_cmd, ctx) => ({
  host: 'localhost',
  version: EMULATED_VERSION,
  process: 'hiregraph-mongo',
  pid: Long.fromNumber(process.pid),
  uptime: (Date.now() - ctx.startedAt.getTime()) / 1000,
  localTime: new Date(),
  // What queries examined, as MongoDB counts them: index keys (scanned) and documents (scannedObjects).
  metrics: {
    queryExecutor: {
      scanned: Long.fromNumber(ctx.store.scans.scanned),
      scannedObjects: Long.fromNumber(ctx.store.scans.scannedObjects),
    },
  },
  ok: 1,
});

const dbStats: Handler = (_cmd, ctx) => {
  const colls = ctx.store.collections(ctx.db);
  return {
    db: ctx.db,
    collections: colls.length,
    views: 0,
    objects: colls.reduce((n, c) => n + c.size, 0),
    indexes: colls.reduce((n, c) => n + c.indexes.size, 0),
    ok: 1,
  };
};

export const adminCommands: Record<string, Handler> = {
  hello,
  isMaster: hello,
  ismaster: hello,
  ping: ok,
  buildInfo,
  buildinfo: buildInfo,
  getParameter,
  listDatabases,
  endSessions: ok,
  killSessions: ok,
  killAllSessions: ok,
  hostInfo,
  whatsmyuri,
  connectionStatus,
  serverStatus,
  dbStats,
  getLastError: () => ({ n: 0, err: null, ok: 1 }),
  saslStart: () => {
    throw new ServerError(
      CODES.IllegalOperation,
      'the embedded server has no authentication; connect without credentials',
    );
  },
};
