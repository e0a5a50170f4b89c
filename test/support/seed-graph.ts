import { createCandidate, createJob } from './graph-fixtures';
import type { TestStack } from './stack';

/** A tenant with `jobs` jobs, each with `perJob` applicants; every candidate applies to two jobs. */
export async function seedJobsWithApplicants(t: TestStack, jobs: number, perJob: number): Promise<{ token: string }> {
  const { admin } = await t.newTenant();
  const jobIds: string[] = [];
  for (let i = 0; i < jobs; i++) {
    jobIds.push(await createJob(t, { title: `Job ${i}`, description: 'd' }, admin));
  }
  for (let i = 0; i < jobs * perJob; i++) {
    const cid = await createCandidate(t, { name: `C${i}`, email: `c${i}@example.com` }, admin);
    for (const j of [jobIds[i % jobs]!, jobIds[(i + 1) % jobs]!]) {
      await t.gql('mutation($j: ID!, $c: ID!) { applyToJob(jobId: $j, candidateId: $c) { id } }', { j, c: cid }, admin);
    }
  }
  return { token: admin };
}

export const DEEP_QUERY = `query Deep($n: Int!) {
  jobs(first: $n) { edges { node { title applications(first: 100) { edges { node { stage candidate { name applications { stage job { title } } } } } } } } }
}`;
