import { MongoClient, type ObjectId } from 'mongodb';
import { CandidateRepository } from '../../subgraphs/candidate/repository';
import { JobRepository } from '../../subgraphs/job/repository';
import { unlimitedTenant } from '../tenant';

/**
 * Hiregraph's own dashboard (issue 23): the deep query of bench/graph.ts and the N+1 test (jobs →
 * applications → candidate → the candidate's applications → their jobs) at a dashboard's page
 * sizes. Over the dataset below it reads 12 jobs × 20 applications × candidate × the candidate's 4
 * applications × their jobs: about 80 KB of JSON (79,967 bytes). Its documents are as large as
 * real ones (a résumé of about 3.5 KB per candidate, a description of about 1.3 KB per job), which
 * the answer leaves out: it selects names and titles only.
 */
export const DASHBOARD_QUERY = `query Dashboard {
  jobs(first: 12) { edges { node { title applications(first: 20) { edges { node { stage
    candidate { name applications { stage job { title } } } } } } } } }
}`;

export const JOBS = 12;
export const PER_JOB = 20;
/** Each candidate applies to this many jobs in a row (mod 12), so every job has exactly 20 applicants. */
const JOBS_PER_CANDIDATE = 4;
const CANDIDATES = (JOBS * PER_JOB) / JOBS_PER_CANDIDATE;

const TITLES = ['Senior Backend Engineer', 'Data Scientist', 'Product Designer', 'Site Reliability Engineer'];
const FIRST = ['Ada', 'Grace', 'Alan', 'Margaret', 'Edsger', 'Barbara', 'Donald', 'Frances'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Hamilton', 'Dijkstra', 'Liskov'];
const CITIES = ['London', 'Berlin', 'Remote', 'Lisbon'];
const COMPANIES = ['Northwind', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark Industries', 'Wayne Enterprises'];
const WORK = [
  'Designed and ran the GraphQL API behind the customer dashboard, serving 40 million requests a day.',
  'Moved the billing services from a monolith to event-driven TypeScript services on Kubernetes.',
  'Cut the p99 latency of the search endpoint from 900 ms to 120 ms with batching and better indexes.',
  'Led a team of five engineers through the migration of 2 TB of MongoDB data with no downtime.',
  'Wrote the on-call runbooks and the alerting rules; halved the pages per week within a quarter.',
  'Built the internal feature-flag service and the SDKs for Node.js, Go and the browser.',
  'Mentored four junior developers; ran the weekly architecture review and the hiring loop.',
  'Introduced contract tests between twelve services, catching breaking changes before deploys.',
];
const DUTIES = [
  'You will own services end to end, from design documents to production metrics.',
  'You will work with product and design on features used by thousands of recruiters every day.',
  'You will review code, pair with colleagues and help shape the engineering practices of the team.',
  'You will take part in a fair on-call rotation, with time set aside to fix what pages us.',
  'We value clear writing, small pull requests and tests that describe behaviour.',
  'Our stack: TypeScript, Node.js, GraphQL federation, MongoDB, Redis and Kubernetes on two clouds.',
  'We offer a learning budget, flexible hours, and four weeks of holiday plus public holidays.',
];

/** A résumé of about 3.5 KB, each candidate's own, as a real candidate document carries. */
function resumeOf(name: string, c: number): string {
  const roles = Array.from({ length: 8 }, (_, r) => {
    const company = COMPANIES[(c + r) % COMPANIES.length]!;
    const lines = Array.from({ length: 4 }, (_, l) => `- ${WORK[(c + r * 3 + l) % WORK.length]}`);
    return `${2024 - r * 2}-${2026 - r * 2}: Software Engineer at ${company}\n${lines.join('\n')}`;
  });
  return `${name}\nSoftware engineer, ${1 + (c % 15)} years of experience.\n\n${roles.join('\n\n')}`;
}

/** A job description of about 1.3 KB. */
function descriptionOf(title: string, i: number): string {
  const duties = Array.from({ length: 6 }, (_, d) => DUTIES[(i + d) % DUTIES.length]!);
  return [
    `${title}. We are hiring to build and run the product with a small team.`,
    ...duties,
    `Requirements: TypeScript in production for at least 2 years, and a service you ran that others relied on.`,
    ...duties.map((d) => `In short: ${d.toLowerCase()}`),
  ].join('\n\n');
}

/**
 * Writes the dashboard's tenant into `dbName` through the subgraphs' own repositories (the same
 * documents and indexes the graph's mutations write); returns the tenant id (unlimitedTenant).
 */
export async function seedDashboard(mongoUri: string, dbName: string): Promise<string> {
  const client = await MongoClient.connect(mongoUri);
  try {
    const db = client.db(dbName);
    const tenantId = await unlimitedTenant(db, 'dashboard');
    const jobs = new JobRepository(db, tenantId);
    const candidates = new CandidateRepository(db, tenantId);
    const jobIds: ObjectId[] = [];
    for (let i = 0; i < JOBS; i++) {
      const title = `${TITLES[i % TITLES.length]} ${i + 1}`;
      const job = await jobs.createJob({
        title,
        description: descriptionOf(title, i),
        requiredSkills: ['TypeScript'],
        niceToHaveSkills: [],
        minYearsExperience: 2,
        location: CITIES[i % CITIES.length]!,
      });
      jobIds.push(job._id);
    }
    for (let c = 0; c < CANDIDATES; c++) {
      const name = `${FIRST[c % FIRST.length]} ${LAST[c % LAST.length]} ${c}`;
      const candidate = await candidates.create(
        {
          name,
          email: `candidate${c}@example.com`,
          phone: null,
          location: CITIES[c % CITIES.length]!,
          headline: 'Software engineer',
          skills: ['TypeScript', 'GraphQL'],
          yearsExperience: 1 + (c % 15),
          resumeText: resumeOf(name, c),
        },
        null,
      );
      for (let j = 0; j < JOBS_PER_CANDIDATE; j++) await jobs.apply(jobIds[(c + j) % JOBS]!, candidate!._id);
    }
    return tenantId.toHexString();
  } finally {
    await client.close();
  }
}

/** Sorts every object's keys, so two answers compare equal when their content is. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortedKeys(v)]));
}

/**
 * An answer reduced to what a client reads: `data` with its keys sorted. A gateway's own
 * `extensions` (cost, tracing) are left out; any error fails the benchmark.
 */
export function normalizedAnswer(gateway: string, body: string): string {
  const parsed = JSON.parse(body) as { data?: unknown; errors?: unknown };
  if (parsed.errors) throw new Error(`${gateway} answered with errors: ${JSON.stringify(parsed.errors).slice(0, 600)}`);
  const jobs = (parsed.data as { jobs?: { edges?: unknown[] } } | undefined)?.jobs?.edges;
  if (jobs?.length !== JOBS) throw new Error(`${gateway} answered ${jobs?.length ?? 0} jobs, expected ${JOBS}`);
  return JSON.stringify(sortedKeys(parsed.data));
}
