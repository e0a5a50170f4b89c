import type { Db } from 'mongodb';
import { CandidateRepository } from '../subgraphs/candidate/repository';
import { JobRepository } from '../subgraphs/job/repository';
import type { Plan, PlanLimits } from '../shared/plans';
import { TenantRepository } from '../subgraphs/tenant/repository';
import type { TenantDoc } from '../subgraphs/tenant/model';

const CANDIDATES = [
  {
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    headline: 'Analytical engine programmer',
    location: 'London',
    skills: ['Mathematics', 'Algorithms', 'Python'],
    yearsExperience: 9,
    resumeText:
      'Designed the first published algorithm. Mathematics, algorithms, documentation and Python tooling for data teams.',
  },
  {
    name: 'Grace Hopper',
    email: 'grace@example.com',
    headline: 'Compiler engineer',
    location: 'Arlington',
    skills: ['COBOL', 'Compilers', 'TypeScript'],
    yearsExperience: 25,
    resumeText: 'Built the first compiler; led language standardisation. TypeScript services, compilers and mentoring.',
  },
  {
    name: 'Alan Turing',
    email: 'alan@example.com',
    headline: 'Computer scientist',
    location: 'Manchester',
    skills: ['Cryptography', 'Go', 'Mathematics'],
    yearsExperience: 12,
    resumeText: 'Cryptanalysis, computability and distributed systems in Go.',
  },
  {
    name: 'Margaret Hamilton',
    email: 'margaret@example.com',
    headline: 'Flight software lead',
    location: 'Boston',
    skills: ['Reliability', 'TypeScript', 'GraphQL'],
    yearsExperience: 20,
    resumeText: 'Led on-board flight software. Reliability engineering, GraphQL APIs and TypeScript.',
  },
];

const JOBS = [
  {
    title: 'Senior Backend Engineer',
    description: 'Build GraphQL services in TypeScript on MongoDB; own reliability and performance.',
    requiredSkills: ['TypeScript', 'GraphQL'],
    niceToHaveSkills: ['MongoDB', 'Go'],
    minYearsExperience: 5,
    location: 'Remote',
  },
  {
    title: 'Data Scientist',
    description: 'Models and analyses with Python; strong mathematics and algorithms.',
    requiredSkills: ['Python', 'Mathematics'],
    niceToHaveSkills: ['Algorithms'],
    minYearsExperience: 3,
    location: 'London',
  },
];

/** On an empty database: a demo tenant with candidates, jobs and applications. Returns the tenant. */
export async function seedDemo(
  db: Db,
  plans: Record<Plan, PlanLimits>,
): Promise<{ tenant: TenantDoc; created: boolean }> {
  const tenants = new TenantRepository(db, plans);
  const existing = await tenants.findBySlug('demo');
  if (existing) return { tenant: existing, created: false };
  const tenant = await tenants.create({ slug: 'demo', name: 'Demo Company', plan: 'TEAM' });
  const candidates = new CandidateRepository(db, tenant._id);
  const jobs = new JobRepository(db, tenant._id);
  const people = [];
  for (const c of CANDIDATES) people.push((await candidates.create({ phone: null, ...c }, null))!);
  const openings = [];
  for (const j of JOBS) openings.push(await jobs.createJob(j));
  await jobs.apply(openings[0]!._id, people[1]!._id);
  await jobs.apply(openings[0]!._id, people[3]!._id);
  await jobs.apply(openings[1]!._id, people[0]!._id);
  await jobs.apply(openings[1]!._id, people[2]!._id);
  return { tenant, created: true };
}
