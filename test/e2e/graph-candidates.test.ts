import { ObjectId } from 'mongodb';
import { codeOf, createCandidate, startGraphTenant } from '../support/graph-fixtures';
import type { TestStack } from '../support/stack';

/** Candidate queries and mutations of the graph, through the gateway, on real servers. */
let t: TestStack;
let admin: string;
beforeAll(async () => ({ t, admin } = await startGraphTenant()));
afterAll(() => t?.close());

const newCandidate = (input: Record<string, unknown>, token = admin) => createCandidate(t, input, token);

describe('candidates', () => {
  test('create, read, update, archive', async () => {
    const id = await newCandidate({
      name: 'Ada Lovelace',
      email: 'Ada@Example.com',
      skills: ['Math', 'math', ' Engines '],
      yearsExperience: 7,
      headline: 'Analyst',
    });
    const r = await t.gql<{ candidate: Record<string, unknown> }>(
      'query($id: ID!) { candidate(id: $id) { id name email skills yearsExperience headline phone archivedAt createdAt updatedAt } }',
      { id },
      admin,
    );
    expect(r.data?.candidate).toMatchObject({
      id,
      name: 'Ada Lovelace',
      email: 'Ada@Example.com',
      skills: ['Math', 'Engines'],
      yearsExperience: 7,
      phone: null,
      archivedAt: null,
    });
    const u = await t.gql<{ updateCandidate: Record<string, unknown> }>(
      'mutation($id: ID!) { updateCandidate(id: $id, input: { phone: "+44 1", yearsExperience: 8 }) { name phone yearsExperience } }',
      { id },
      admin,
    );
    expect(u.data?.updateCandidate).toEqual({ name: 'Ada Lovelace', phone: '+44 1', yearsExperience: 8 });
    const a = await t.gql<{ archiveCandidate: { archivedAt: string } }>(
      'mutation($id: ID!) { archiveCandidate(id: $id) { archivedAt } }',
      { id },
      admin,
    );
    expect(a.data?.archiveCandidate.archivedAt).toEqual(expect.any(String));
    const again = await t.gql<{ archiveCandidate: { archivedAt: string } }>(
      'mutation($id: ID!) { archiveCandidate(id: $id) { archivedAt } }',
      { id },
      admin,
    );
    expect(again.data?.archiveCandidate.archivedAt).toBe(a.data?.archiveCandidate.archivedAt);
    const still = await t.gql<{ candidate: { id: string } | null }>(
      'query($id: ID!) { candidate(id: $id) { id } }',
      { id },
      admin,
    );
    expect(still.data?.candidate?.id).toBe(id);
  });

  test('email is unique per tenant, case-insensitively, and a refused write changes nothing', async () => {
    const first = await newCandidate({ name: 'Bob', email: 'bob@example.com' });
    const dup = await t.gql(
      'mutation { createCandidate(input: { name: "Bobby", email: "BOB@example.com" }) { id } }',
      {},
      admin,
    );
    expect(codeOf(dup)).toBe('CONFLICT');
    const other = await newCandidate({ name: 'Carol', email: 'carol@example.com' });
    const clash = await t.gql(
      'mutation($id: ID!) { updateCandidate(id: $id, input: { email: "Bob@Example.com", name: "Changed" }) { id } }',
      { id: other },
      admin,
    );
    expect(codeOf(clash)).toBe('CONFLICT');
    const carol = await t.gql<{ candidate: { name: string; email: string } }>(
      'query($id: ID!) { candidate(id: $id) { name email } }',
      { id: other },
      admin,
    );
    expect(carol.data?.candidate).toEqual({ name: 'Carol', email: 'carol@example.com' });
    const search = await t.gql<{ candidates: { edges: unknown[] } }>(
      '{ candidates(filter: { search: "bobby" }) { edges { node { id } } } }',
      {},
      admin,
    );
    expect(search.data?.candidates.edges).toHaveLength(0);
    expect(first).toMatch(/^[0-9a-f]{24}$/);
  });

  test('filters: search, skills, experience, archived', async () => {
    const { admin: own } = await t.newTenant('filters-co');
    const a = await newCandidate(
      { name: 'Grace Hopper', email: 'grace@navy.mil', skills: ['COBOL', 'Compilers'], yearsExperience: 30 },
      own,
    );
    const b = await newCandidate(
      {
        name: 'Linus',
        email: 'linus@kernel.org',
        skills: ['C', 'compilers'],
        yearsExperience: 5,
        headline: 'Kernel (hacker)',
      },
      own,
    );
    const c = await newCandidate(
      { name: 'Old Timer', email: 'old@example.com', skills: ['cobol'], yearsExperience: 40 },
      own,
    );
    await t.gql('mutation($id: ID!) { archiveCandidate(id: $id) { id } }', { id: c }, own);
    const ids = async (filter: Record<string, unknown>) =>
      (
        await t.gql<{ candidates: { edges: Array<{ node: { id: string } }> } }>(
          'query($f: CandidateFilter) { candidates(filter: $f) { edges { node { id } } } }',
          { f: filter },
          own,
        )
      ).data!.candidates.edges.map((e) => e.node.id);
    expect(await ids({})).toEqual([b, a]);
    expect(await ids({ includeArchived: true })).toEqual([c, b, a]);
    expect(await ids({ skills: ['compilers'] })).toEqual([b, a]);
    expect(await ids({ skills: ['COMPILERS', 'cobol'] })).toEqual([a]);
    expect(await ids({ minYearsExperience: 10 })).toEqual([a]);
    expect(await ids({ search: 'GRACE' })).toEqual([a]);
    expect(await ids({ search: '(hacker)' })).toEqual([b]);
  });

  test('pagination: cursors, first bounds, bad cursors', async () => {
    const { admin: own } = await t.newTenant('pages-co');
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push(await newCandidate({ name: `P${i}`, email: `p${i}@example.com` }, own));
    const q =
      'query($f: Int, $a: String) { candidates(first: $f, after: $a) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }';
    type Page = {
      candidates: {
        edges: Array<{ node: { id: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r: { data: Page | null } = await t.gql<Page>(q, { f: 2, a: after }, own);
      seen.push(...r.data!.candidates.edges.map((e) => e.node.id));
      if (!r.data!.candidates.pageInfo.hasNextPage) break;
      after = r.data!.candidates.pageInfo.endCursor;
    }
    expect(seen).toEqual([...made].reverse());
    for (const f of [0, 101, -1]) expect(codeOf(await t.gql(q, { f }, own))).toBe('BAD_USER_INPUT');
    for (const a of ['garbage', Buffer.from('hg1:zz').toString('base64url'), ''])
      expect(codeOf(await t.gql(q, { a }, own))).toBe('BAD_USER_INPUT');
  });

  test('bad input: malformed ids, empty names, bad emails', async () => {
    expect(codeOf(await t.gql('{ candidate(id: "nope") { id } }', {}, admin))).toBe('BAD_USER_INPUT');
    expect(
      codeOf(await t.gql('mutation { createCandidate(input: { name: "", email: "x@y.io" }) { id } }', {}, admin)),
    ).toBe('BAD_USER_INPUT');
    expect(
      codeOf(
        await t.gql('mutation { createCandidate(input: { name: "X", email: "not-an-email" }) { id } }', {}, admin),
      ),
    ).toBe('BAD_USER_INPUT');
    expect(
      codeOf(
        await t.gql(
          'mutation { createCandidate(input: { name: "X", email: "x@y.io", yearsExperience: -1 }) { id } }',
          {},
          admin,
        ),
      ),
    ).toBe('BAD_USER_INPUT');
    expect(
      codeOf(
        await t.gql(
          'mutation($id: ID!) { updateCandidate(id: $id, input: { name: "Y" }) { id } }',
          { id: new ObjectId().toHexString() },
          admin,
        ),
      ),
    ).toBe('NOT_FOUND');
    expect((await t.gql('{ candidate(id: "0123456789abcdef01234567") { id } }', {}, admin)).data).toEqual({
      candidate: null,
    });
  });
});
