import { LLM_QUEUE_NAME, QUEUE_NAME, queueOfAgent, runPriority } from '../../subgraphs/assessment/engine/queue';

test("a run's priority is its place in its tenant's line times its plan's weight", () => {
  // First runs: ENTERPRISE before TEAM before FREE; an unknown plan counts as FREE.
  expect(['ENTERPRISE', 'TEAM', 'FREE', undefined].map((p) => runPriority(p, 0))).toEqual([1, 2, 4, 4]);
  // A tenant with 99 runs in line: its next is 100th; another tenant's first goes ahead of it.
  expect(runPriority('ENTERPRISE', 99)).toBe(100);
  expect(runPriority('FREE', 0)).toBeLessThan(runPriority('ENTERPRISE', 4));
  // An ENTERPRISE tenant's 4th run ties a FREE tenant's 1st: four times the share.
  expect(runPriority('ENTERPRISE', 3)).toBe(runPriority('FREE', 0));
  // BullMQ's ceiling.
  expect(runPriority('FREE', 10_000_000)).toBe(2 ** 21);
});

test('built-in agents run on the run queue, LLM agents on their own', () => {
  expect(['skills', 'experience', 'keywords', 'profile'].map(queueOfAgent)).toEqual(Array(4).fill(QUEUE_NAME));
  expect(['llm-technical', 'llm-communication', 'llm-risk'].map(queueOfAgent)).toEqual(Array(3).fill(LLM_QUEUE_NAME));
});
