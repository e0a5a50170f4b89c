import { setTimeout as sleep } from 'node:timers/promises';
import { signToken } from '../../shared/auth';
import { TEST_JWT_SECRET } from '../support/secrets';
import { resumingSubscription, type Failure } from './resuming-subscription';

/**
 * A mixed load from several tenants against any of the gateways: queries, candidate writes (each
 * acknowledged id remembered), startAssessment, and subscribers, per run and tenant-wide, that
 * resume with their last seq or cursor on another gateway whenever their connection drops.
 */
export interface TenantLoad {
  id: string;
  token: string;
  candidateId: string;
  jobId: string;
  /** Candidates whose createCandidate was acknowledged. */
  written: string[];
  runs: string[];
  /** Tenant-wide subscriber: events seen, by assessment, as seqs in arrival order. */
  tenantSeen: Map<string, number[]>;
  /** Where the tenant-wide subscriber starts: the stream's end before any run of the load. */
  cursor: string;
  /** Per-run subscribers: seqs after the first snapshot, in arrival order, and the snapshot's seq. */
  runSeen: Map<string, { from: number; seqs: number[]; done: boolean }>;
}

export interface Load {
  tenants: TenantLoad[];
  failures: Failure[];
  counts: Record<string, number>;
  /** Resolves once every loop and subscriber has stopped. */
  stop(): Promise<void>;
  /** Stops starting new work, waits for requests in flight, and keeps the subscribers. */
  drain(): Promise<void>;
}

type Gql = {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
};

export async function gql(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Gql> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json()) as Gql;
  if (body.errors?.length || !res.ok)
    throw new Error(`HTTP ${res.status}: ${JSON.stringify(body.errors).slice(0, 300)}`);
  return body;
}

export async function setUpTenants(gateway: string, n: number): Promise<TenantLoad[]> {
  const platform = await signToken(TEST_JWT_SECRET, { sub: 'chaos', roles: ['platform-admin'] });
  const out: TenantLoad[] = [];
  for (let i = 0; i < n; i++) {
    const slug = `chaos-${Date.now().toString(36)}-${i}`;
    const t = await gql(gateway, platform, 'mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }', {
      i: { slug, name: slug, plan: 'ENTERPRISE' },
    });
    const id = (t.data!.createTenant as { id: string }).id;
    const token = await signToken(TEST_JWT_SECRET, { sub: 'chaos', tid: id, roles: ['admin'] });
    const c = await gql(gateway, token, 'mutation($i: CreateCandidateInput!) { createCandidate(input: $i) { id } }', {
      i: {
        name: 'Chaos',
        email: `chaos@${slug}.example`,
        skills: ['TypeScript'],
        yearsExperience: 5,
        resumeText: 'TypeScript GraphQL',
      },
    });
    const j = await gql(gateway, token, 'mutation($i: CreateJobInput!) { createJob(input: $i) { id } }', {
      i: { title: 'Engineer', description: 'TypeScript GraphQL', requiredSkills: ['TypeScript'] },
    });
    out.push({
      id,
      token,
      candidateId: (c.data!.createCandidate as { id: string }).id,
      jobId: (j.data!.createJob as { id: string }).id,
      written: [],
      runs: [],
      tenantSeen: new Map(),
      cursor: (await gql(gateway, token, '{ assessmentEventsCursor }')).data!.assessmentEventsCursor as string,
      runSeen: new Map(),
    });
  }
  return out;
}

export function startLoad(gateways: string[], tenants: TenantLoad[], opts: { runEveryMs?: number } = {}): Load {
  const failures: Failure[] = [];
  const counts: Record<string, number> = { queries: 0, writes: 0, runs: 0, failed: 0 };
  let stopped = false;
  let draining = false;
  const loops: Array<Promise<void>> = [];
  const subscribers: Array<Promise<void>> = [];
  const pick = () => gateways[Math.floor(Math.random() * gateways.length)]!;
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      counts.failed!++;
      failures.push({ at: Date.now(), what, error: (err as Error).message.slice(0, 300) });
    }
  };
  const loop = (pause: number, body: () => Promise<void>) =>
    loops.push(
      (async () => {
        while (!stopped && !draining) {
          await body();
          await sleep(pause);
        }
      })(),
    );

  for (const t of tenants) {
    let cursor = t.cursor;
    // The tenant-wide dashboard: follows every event from before the first run, resuming with its cursor.
    subscribers.push(
      (async () => {
        await resumingSubscription(
          gateways,
          t.token,
          () => ({
            query: 'subscription($after: String) { assessmentEvents(after: $after) { cursor seq assessment { id } } }',
            variables: { after: cursor },
          }),
          (data) => {
            const e = data.assessmentEvents as { cursor: string; seq: number; assessment: { id: string } };
            cursor = e.cursor;
            const seen = t.tenantSeen.get(e.assessment.id) ?? [];
            seen.push(e.seq);
            t.tenantSeen.set(e.assessment.id, seen);
            return false;
          },
          () => stopped,
          failures,
          'assessmentEvents',
        );
      })(),
    );
    loop(100, () =>
      attempt('query', async () => {
        await gql(
          pick(),
          t.token,
          '{ jobs(first: 5) { edges { node { title applications(first: 5) { edges { node { stage candidate { name } } } } } } } }',
        );
        counts.queries!++;
      }),
    );
    loop(300, () =>
      attempt('createCandidate', async () => {
        const n = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
        const r = await gql(
          pick(),
          t.token,
          'mutation($i: CreateCandidateInput!) { createCandidate(input: $i) { id } }',
          {
            i: { name: `W ${n}`, email: `${n}@w.example` },
          },
        );
        t.written.push((r.data!.createCandidate as { id: string }).id);
        counts.writes!++;
      }),
    );
    loop(opts.runEveryMs ?? 1500, () =>
      attempt('startAssessment', async () => {
        const r = await gql(
          pick(),
          t.token,
          'mutation($i: StartAssessmentInput!) { startAssessment(input: $i) { id } }',
          {
            i: { candidateId: t.candidateId, jobId: t.jobId, agents: ['skills', 'llm-technical'] },
          },
        );
        const id = (r.data!.startAssessment as { id: string }).id;
        t.runs.push(id);
        counts.runs!++;
        // Every other run has a dashboard of its own, resuming with its last seq.
        if (t.runs.length % 2 === 0) {
          const seen = { from: -1, seqs: [] as number[], done: false };
          t.runSeen.set(id, seen);
          subscribers.push(
            resumingSubscription(
              gateways,
              t.token,
              () => ({
                query:
                  'subscription($id: ID!, $after: Int) { assessmentProgress(id: $id, afterSeq: $after) { seq type assessment { status } } }',
                variables: { id, after: seen.from < 0 ? null : Math.max(seen.from, ...seen.seqs) },
              }),
              (data) => {
                const e = data.assessmentProgress as { seq: number; type: string; assessment: { status: string } };
                if (e.type === 'SNAPSHOT') {
                  if (seen.from < 0) seen.from = e.seq;
                } else seen.seqs.push(e.seq);
                // A run already over when subscribed ends with its snapshot.
                seen.done = ['COMPLETED', 'FAILED', 'CANCELLED'].includes(e.assessment.status);
                return seen.done;
              },
              () => stopped,
              failures,
              'assessmentProgress',
            ),
          );
        }
      }),
    );
  }
  return {
    tenants,
    failures,
    counts,
    async drain() {
      draining = true;
      await Promise.all(loops);
    },
    async stop() {
      stopped = true;
      await Promise.all([...loops, ...subscribers]);
    },
  };
}
