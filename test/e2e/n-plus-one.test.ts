import { commandsDuring } from '../support/metrics';
import { DEEP_QUERY, seedJobsWithApplicants } from '../support/seed-graph';
import { useTestStack } from '../support/stack';

/** The same deep query over 3 and over 30 jobs costs the same number of MongoDB commands. */
// Tenant limits stay cached for the whole file: a per-request lookup when the cache expires (seeding
// 30 jobs can outlast the default 10 s on a loaded machine) is not what this test measures.
const t = useTestStack({ TENANT_LIMITS_CACHE_MS: '600000' });
test('jobs → applications → candidate → applications → job: commands do not grow with list sizes', async () => {
  const small = await seedJobsWithApplicants(t, 3, 2);
  const large = await seedJobsWithApplicants(t, 30, 2);
  const run = async (token: string, n: number) => {
    let jobs = 0;
    const cost = await commandsDuring(t.stack, async () => {
      const r = await t.gql<{ jobs: { edges: Array<{ node: { applications: { edges: unknown[] } } }> } }>(
        DEEP_QUERY,
        { n },
        token,
      );
      expect(r.errors).toBeUndefined();
      jobs = r.data!.jobs.edges.length;
      for (const e of r.data!.jobs.edges) expect(e.node.applications.edges.length).toBe(4);
    });
    return { jobs, cost };
  };
  const a = await run(small.token, 3);
  const b = await run(large.token, 30);
  expect(a.jobs).toBe(3);
  expect(b.jobs).toBe(30);
  expect(b.cost).toEqual(a.cost);
  // One command per entity type per level: jobs, candidates and their jobs are finds; the jobs' and
  // the candidates' applications are one aggregate each (a $unionWith per parent, so each parent's
  // page is read with its own limit: see trust-bounded-reads.test.ts).
  expect(a.cost).toEqual({ find: 3, aggregate: 2 });
  // The job subgraph's loaders say the same: one batch of 3 jobs' applications, then one of 30.
  const m = await (await fetch(t.stack.subgraphs.job.metricsUrl)).text();
  const series = (stat: string) =>
    Number(
      new RegExp(`^hiregraph_dataloader_batch_size_${stat}\\{[^}]*loader="applicationPage"[^}]*\\} (\\d+)`, 'm').exec(
        m,
      )?.[1],
    );
  expect(series('count')).toBe(2);
  expect(series('sum')).toBe(33);
});
