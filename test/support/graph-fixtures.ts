import { startTestStack, type TestStack } from './stack';

/** The code of a response's first error, or undefined when it has none. */
export const codeOf = (r: { errors?: Array<{ extensions?: { code?: string } }> }): string | undefined =>
  r.errors?.[0]?.extensions?.code;

async function create(t: TestStack, field: string, inputType: string, input: Record<string, unknown>, token: string) {
  const r = await t.gql<Record<string, { id: string }>>(
    `mutation($i: ${inputType}!) { ${field}(input: $i) { id } }`,
    { i: input },
    token,
  );
  // A failed setup write says why here rather than as a confusing assertion later.
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data[field]!.id;
}

/** Creates a candidate through the gateway and returns its id. */
export const createCandidate = (t: TestStack, input: Record<string, unknown>, token: string): Promise<string> =>
  create(t, 'createCandidate', 'CreateCandidateInput', input, token);

/** Creates a job through the gateway and returns its id. */
export const createJob = (t: TestStack, input: Record<string, unknown>, token: string): Promise<string> =>
  create(t, 'createJob', 'CreateJobInput', input, token);

/** A stack with one tenant, `slug`, and a token of its admin: what each graph-* test file starts. */
export async function startGraphTenant(
  slug = 'acme-graph',
): Promise<{ t: TestStack; tenantId: string; admin: string }> {
  const t = await startTestStack();
  try {
    const { id: tenantId, admin } = await t.newTenant(slug);
    return { t, tenantId, admin };
  } catch (err) {
    await t.close();
    throw err;
  }
}
