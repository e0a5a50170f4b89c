import { useRunHarness } from '../support/runs';

/** A re-run over an unchanged candidate and job is answered from the LLM cache; a changed resume is not. */
const h = useRunHarness({ LLM_CACHE_TTL_SECONDS: '3600' });

const LLM = ['llm-technical', 'llm-risk'];

async function run(): Promise<Array<[string, number | null]>> {
  const r = await h.start({ agents: LLM });
  const done = await h.waitFor(r.data!.startAssessment.id, ['COMPLETED', 'FAILED']);
  expect(done.status).toBe('COMPLETED');
  return done.steps.filter((s) => s.kind === 'AGENT').map((s) => [s.name, s.score]);
}

test('re-running an unchanged candidate and job does not call the LLM again; a changed resume does', async () => {
  const first = await run();
  expect(h.llm.received.map((c) => c.agent).sort()).toEqual(['risk', 'technical']);
  expect(await run()).toEqual(first);
  expect(h.llm.received).toHaveLength(2);
  const lookups = await (await fetch(h.workers[0]!.metricsUrl)).text();
  const count = (result: string) =>
    [
      ...lookups.matchAll(
        new RegExp(`^hiregraph_llm_cache_lookups_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`, 'gm'),
      ),
    ]
      .map((m) => Number(m[1]))
      .reduce((a, b) => a + b, 0);
  expect([count('miss'), count('hit')]).toEqual([2, 2]);

  const edit = await h.t.gql(
    'mutation($id: ID!) { updateCandidate(id: $id, input: { resumeText: "Ten years of Go at scale." }) { id } }',
    { id: h.candidateId },
    h.token,
  );
  expect(edit.errors).toBeUndefined();
  await run();
  expect(h.llm.received).toHaveLength(4);
});
