import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { ServiceTokens, signToken, TokenVerifier, type Principal } from '../../shared/auth';
import { serveSubgraphSubscriptions } from '../../shared/graphql/ws';
import { TEST_INTERNAL_JWT_SECRET, TEST_JWT_SECRET } from '../support/secrets';
import { wsClient } from '../support/ws-client';

/**
 * A subgraph's socket carries many callers' subscriptions (a gateway's socket per tenant): each
 * subscribe runs as the token in its extensions, verified, and never as a service, even where the
 * subgraph's verifier takes service tokens for its HTTP reads (the candidate and job subgraphs do).
 */
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      whoami: {
        type: GraphQLString,
        subscribe: async function* (_: unknown, __: unknown, ctx: { principal: Principal }) {
          yield { whoami: ctx.principal.userId };
        },
      },
    },
  }),
});

let http: Server;
let close: () => Promise<void>;
beforeAll(async () => {
  http = createServer();
  const verifier = new TokenVerifier({ secret: TEST_JWT_SECRET, internalSecret: TEST_INTERNAL_JWT_SECRET });
  close = serveSubgraphSubscriptions(http, schema, verifier, async (caller) => ({ principal: caller.principal })).close;
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await close();
  await new Promise((r) => http.close(r));
});

const user = async (sub: string) =>
  `Bearer ${await signToken(TEST_JWT_SECRET, { sub, tid: '65a000000000000000000001', roles: ['viewer'] })}`;

function whoami(client: ReturnType<typeof wsClient>, extensions?: object) {
  return new Promise<{ data?: unknown; errors?: Array<{ extensions?: { code?: string } }> }>((resolve) => {
    let got: { data?: unknown } = {};
    client.subscribe({ query: 'subscription { whoami }', extensions } as never, {
      next: (r) => (got = r),
      error: (e) => resolve({ errors: Array.isArray(e) ? e : [e as never] }),
      complete: () => resolve(got),
    });
  });
}

test('a subscribe runs as the token it carries; a bad or service token is refused, the connection stays', async () => {
  const { port } = http.address() as AddressInfo;
  const client = wsClient(`http://127.0.0.1:${port}/graphql`, (await user('ann')).slice('Bearer '.length));
  try {
    expect(await whoami(client)).toEqual({ data: { whoami: 'ann' } });
    expect(await whoami(client, { authorization: await user('bob') })).toEqual({ data: { whoami: 'bob' } });
    const service = await new ServiceTokens(TEST_INTERNAL_JWT_SECRET).authorization('65a000000000000000000001');
    for (const authorization of [service, 'Bearer not-a-jwt']) {
      const refused = await whoami(client, { authorization });
      expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    }
    // Refusals are per operation: the socket still serves its own caller.
    expect(await whoami(client)).toEqual({ data: { whoami: 'ann' } });
  } finally {
    await client.dispose();
  }
});
