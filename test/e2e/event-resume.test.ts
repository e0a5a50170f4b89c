import type { ChildProcess } from 'node:child_process';
import { expectTruthfulStory, STORY_FIELDS, type StoryEvent } from '../support/event-story';
import { stackEnv } from '../support/stack';
import { spawnGateway } from '../support/service-process';
import { streamEnd, tenantEvents } from '../support/queries';
import { useRunHarness } from '../support/runs';
import { collect, wsClient, type Collected } from '../support/ws-client';
import { waitFor } from '../support/wait';

/** assessmentEvents resumes from a cursor, on any gateway: every missed event once, in order per assessment. */
const children: ChildProcess[] = [];
// Above the harness, so spawned gateways are gone before it closes.
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
const h = useRunHarness();

const EVENTS = tenantEvents(`cursor ${STORY_FIELDS} assessment { id candidate { name } }`);
type Ev = {
  assessmentEvents: StoryEvent & { cursor: string; assessment: { id: string; candidate: { name: string } } };
};

const completedIds = (s: Collected<Ev>) =>
  new Set(s.events.filter((e) => e.assessmentEvents.type === 'COMPLETED').map((e) => e.assessmentEvents.assessment.id));

/** Per assessment: its events in the order received. */
function byAssessment(events: Ev[]): Map<string, Ev['assessmentEvents'][]> {
  const out = new Map<string, Ev['assessmentEvents'][]>();
  for (const { assessmentEvents: e } of events) out.set(e.assessment.id, [...(out.get(e.assessment.id) ?? []), e]);
  return out;
}

async function otherGateway(): Promise<string> {
  const g = await spawnGateway({ ...h.env, ...stackEnv(h.t) });
  children.push(g.child);
  return g.url;
}

test('two runs finish while nobody listens: resuming from the last cursor, on another gateway, gives each of their events once, in order, then live ones', async () => {
  const clientA = wsClient(h.t.stack.gateway.url, h.token);
  let cursor: string;
  try {
    const first = collect<Ev>(clientA, EVENTS, { after: await streamEnd(h.t, h.token) });
    const r0 = (await h.start({ agents: ['skills', 'llm-technical'] })).data!.startAssessment.id;
    await waitFor(
      async () => completedIds(first).has(r0),
      30_000,
      'the first run to complete on the live subscription',
    );
    first.stop();
    expect(first.errors).toEqual([]);
    cursor = first.events[first.events.length - 1]!.assessmentEvents.cursor;
  } finally {
    await clientA.dispose();
  }
  const missed: string[] = [];
  for (let i = 0; i < 2; i++)
    missed.push((await h.start({ agents: ['skills', 'experience'] })).data!.startAssessment.id);
  for (const id of missed) await h.waitFor(id, ['COMPLETED']);

  const urlB = await otherGateway();
  const clientB = wsClient(urlB, h.token);
  try {
    const resumed = collect<Ev>(clientB, EVENTS, { after: cursor });
    await waitFor(async () => missed.every((id) => completedIds(resumed).has(id)), 20_000, 'both missed runs replayed');
    // Then live: a run started now arrives on the same subscription.
    const live = (await h.start({ agents: ['skills'] })).data!.startAssessment.id;
    await waitFor(async () => completedIds(resumed).has(live), 30_000, 'the live run');
    resumed.stop();
    expect(resumed.errors).toEqual([]);
    const runs = byAssessment(resumed.events);
    expect([...runs.keys()].sort()).toEqual([...missed, live].sort());
    for (const id of [...missed, live]) {
      const stored = (await h.full(id)).events.map((e) => [e.seq, e.type]);
      expect(runs.get(id)!.map((e) => [e.seq, e.type])).toEqual(stored);
      expectTruthfulStory(runs.get(id)!);
    }
    // Cursors are positions in one tenant stream: strictly increasing, never repeated.
    const cursors = resumed.events.map((e) => e.assessmentEvents.cursor);
    expect(new Set(cursors).size).toBe(cursors.length);
    expect(resumed.events.every((e) => e.assessmentEvents.assessment.candidate.name === 'Grace Hopper')).toBe(true);
  } finally {
    await clientB.dispose();
  }
});

test('a cursor the stream does not hold is refused with BAD_USER_INPUT, and a per-run cursor is pointed to afterSeq', async () => {
  const client = wsClient(h.t.stack.gateway.url, h.token);
  try {
    for (const [after, message] of [
      ['1-0', /has expired/],
      ['seq:3', /expected a cursor of assessmentEvents/],
    ] as const) {
      const s = collect<Ev>(client, EVENTS, { after });
      await s.done;
      const err = s.errors[0] as { message: string; extensions?: { code?: string } };
      expect(err.extensions?.code).toBe('BAD_USER_INPUT');
      expect(err.message).toMatch(message);
    }
    await waitFor(async () => h.t.stack.gateway.openSubscriptions() === 0, 5000, 'refused subscriptions released');
  } finally {
    await client.dispose();
  }
});

test('the stream end of a tenant with no events yet is a cursor subscriptions accept: its first run arrives whole', async () => {
  const { admin } = await h.t.newTenant();
  const cursor = await streamEnd(h.t, admin);
  expect(cursor).toMatch(/^\d+-\d+$/);
  // The same end is answered again while nothing happened.
  expect(await streamEnd(h.t, admin)).toBe(cursor);
  const c = await h.t.gql<{ createCandidate: { id: string } }>(
    'mutation($i: CreateCandidateInput!) { createCandidate(input: $i) { id } }',
    {
      i: {
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        skills: ['TypeScript'],
        yearsExperience: 9,
        resumeText: 'Wrote the first published program; TypeScript services since.',
      },
    },
    admin,
  );
  const j = await h.t.gql<{ createJob: { id: string } }>(
    'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }',
    {
      i: {
        title: 'Engineer',
        description: 'TypeScript',
        requiredSkills: ['TypeScript'],
        niceToHaveSkills: [],
        minYearsExperience: 2,
      },
    },
    admin,
  );
  const client = wsClient(h.t.stack.gateway.url, admin);
  try {
    const sub = collect<Ev>(client, EVENTS, { after: cursor });
    const started = await h.t.gql<{ startAssessment: { id: string } }>(
      'mutation($i: StartAssessmentInput!) { startAssessment(input: $i) { id } }',
      {
        i: { candidateId: c.data!.createCandidate.id, jobId: j.data!.createJob.id, agents: ['skills'] },
      },
      admin,
    );
    const id = started.data!.startAssessment.id;
    await waitFor(async () => completedIds(sub).has(id), 30_000, 'the first run of the tenant');
    sub.stop();
    expect(sub.errors).toEqual([]);
    const seqs = sub.events.map((e) => e.assessmentEvents.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(sub.events[0]!.assessmentEvents.type).toBe('QUEUED');
  } finally {
    await client.dispose();
  }
});
