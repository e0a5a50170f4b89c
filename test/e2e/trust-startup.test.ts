import { holdRefusedPort, type RefusedPort } from '../support/refused-port';
import { spawnService } from '../support/service-process';

/**
 * A process started without real secrets refuses to start and names the variable (issue 21).
 * Any NODE_ENV but development used to run on the published development secret.
 */
// Should a process get past its secrets, its MongoDB is down: it does not start either way.
let mongoDown: RefusedPort;
beforeAll(async () => {
  mongoDown = await holdRefusedPort();
});
afterAll(async () => {
  await mongoDown?.close();
});
const noSecrets = () => ({
  JWT_SECRET: '',
  INTERNAL_JWT_SECRET: '',
  MONGODB_URI: mongoDown.url('mongodb', '/?serverSelectionTimeoutMS=500'),
});

/** The process's exit message: spawnService rejects with it when the process exits before it is ready. */
async function refusal(entry: string, env: Record<string, string>, ready: string): Promise<string> {
  try {
    const p = await spawnService(entry, { ...noSecrets(), ...env }, ready);
    p.child.kill('SIGKILL');
    return 'started';
  } catch (err) {
    return (err as Error).message;
  }
}

test.each(['staging', 'test', 'prodution'])(
  'NODE_ENV=%s without JWT_SECRET or JWT_JWKS_URL: the gateway does not start, naming them',
  async (NODE_ENV) => {
    const out = await refusal('gateway/index.ts', { NODE_ENV, GATEWAY_PORT: '0' }, 'gateway listening');
    expect(out).toMatch(/exited with 2/);
    expect(out).toContain(
      `JWT_SECRET or JWT_JWKS_URL: one is required unless NODE_ENV=development (NODE_ENV is "${NODE_ENV}")`,
    );
  },
);

test('a JWKS without JWT_ISSUER and JWT_AUDIENCE: the gateway does not start, naming both', async () => {
  const out = await refusal(
    'gateway/index.ts',
    { NODE_ENV: 'production', JWT_JWKS_URL: 'https://id.example/.well-known/jwks.json', GATEWAY_PORT: '0' },
    'gateway listening',
  );
  expect(out).toMatch(/JWT_ISSUER: required with JWT_JWKS_URL/);
  expect(out).toMatch(/JWT_AUDIENCE: required with JWT_JWKS_URL/);
});

test('the worker and the candidate subgraph need INTERNAL_JWT_SECRET outside development', async () => {
  const env = { NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(48), WORKER_PORT: '0', CANDIDATE_PORT: '0' };
  expect(await refusal('subgraphs/assessment/worker-index.ts', env, 'assessment worker ready')).toMatch(
    /INTERNAL_JWT_SECRET: required by the worker/,
  );
  expect(await refusal('subgraphs/candidate/index.ts', env, 'candidate subgraph listening')).toMatch(
    /INTERNAL_JWT_SECRET: required by the worker/,
  );
});
