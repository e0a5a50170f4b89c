import { ObjectId } from 'mongodb';
import { errors } from '../../../shared/errors';
import type { RequestContext } from '../../../shared/graphql/context';
import type { EntityClient } from '../../../shared/graphql/entity-client';
import { parseId } from '../../../shared/mongo/ids';
import type { TenantRateLimiter } from '../../../shared/rate-limits';
import type { Agent } from '../agents/types';
import type { EventRelay } from '../events/relay';
import { cancellable, nextStage, retryable, stepsToRetry, stepsToSkip } from '../engine/plan';
import { newAssessment, type AssessmentDoc } from '../store/model';
import { runPriority, type RunQueue } from '../engine/queue';
import type { AssessmentRepository } from '../store/repository';

export interface RunServiceDeps {
  queue: RunQueue;
  /** Appends each recorded change's events to the tenant stream. Required. */
  relay: EventRelay;
  agents: Agent[];
  candidateOwner: EntityClient;
  jobOwner: EntityClient;
  /** The tenant subgraph, for the tenant's assessmentsPerHour. */
  tenantOwner: EntityClient;
  rates: TenantRateLimiter;
}

const notRetryable = (status: string) =>
  errors.badInput(`expected a FAILED assessment to retry, received one that is ${status}`, 'id');

export interface StartInput {
  candidateId: string;
  jobId: string;
  agents?: string[] | null;
  idempotencyKey?: string | null;
}

/**
 * Starting, cancelling and retrying runs. The assessment is written to MongoDB before anything is
 * enqueued; an enqueue that fails is logged and left to the reconciler, so the call still returns
 * at once and the run still happens.
 */
export class RunService {
  constructor(private readonly deps: RunServiceDeps) {}

  private chooseAgents(requested: string[] | null | undefined): string[] {
    const available = new Map(this.deps.agents.map((a) => [a.name, a]));
    if (requested === undefined || requested === null) return this.deps.agents.map((a) => a.name);
    const names = [...new Set(requested.map((n) => n.trim()))];
    if (names.length === 0) throw errors.badInput('expected at least one agent, received an empty list', 'agents');
    const unknown = names.filter((n) => !available.has(n));
    if (unknown.length)
      throw errors.badInput(
        `expected agents among ${[...available.keys()].join(', ')}, received unknown ${unknown.join(', ')}`,
        'agents',
      );
    return names;
  }

  async start(ctx: RequestContext, repo: AssessmentRepository, input: StartInput): Promise<AssessmentDoc> {
    const candidateId = parseId(input.candidateId, 'candidateId');
    const jobId = parseId(input.jobId, 'jobId');
    const agents = this.chooseAgents(input.agents);
    const key = input.idempotencyKey?.trim() || null;
    if (key && key.length > 200)
      throw errors.badInput(
        `expected idempotencyKey to be at most 200 characters, received ${key.length}`,
        'idempotencyKey',
      );
    if (key) {
      const existing = await repo.byIdempotencyKey(key);
      if (existing) return this.sameOrConflict(existing, candidateId, jobId, agents);
    }
    const [candidate] = await this.deps.candidateOwner.fetch<{ id: string }>(ctx, [candidateId.toHexString()], 'id');
    if (!candidate) throw errors.notFound('Candidate', input.candidateId);
    const [job] = await this.deps.jobOwner.fetch<{ id: string; status: string }>(
      ctx,
      [jobId.toHexString()],
      'id status',
    );
    if (!job) throw errors.notFound('Job', input.jobId);
    if (job.status !== 'OPEN')
      throw errors.badInput(`expected an OPEN job, received job ${input.jobId} which is ${job.status}`, 'jobId');
    const tenant = await this.charge(ctx, repo);
    const priority = runPriority(tenant?.plan, await repo.countActive());
    const { doc, created } = await repo.create(
      newAssessment({ candidateId, jobId, agents, idempotencyKey: key, priority }),
    );
    if (!created) return this.sameOrConflict(doc, candidateId, jobId, agents);
    await this.deps.relay.publish(doc, doc.events);
    await this.enqueue(ctx, doc);
    return doc;
  }

  /**
   * Takes one of the tenant's assessmentsPerHour (RATE_LIMITED when none is left): every start and
   * every retry, since a retry re-runs agents (up to STEP_ATTEMPTS LLM calls each) like a start.
   */
  private async charge(ctx: RequestContext, repo: AssessmentRepository): Promise<{ plan: string } | null | undefined> {
    const tenantId = repo.tenantId.toHexString();
    const [tenant] = await this.deps.tenantOwner.fetch<{
      id: string;
      plan: string;
      limits: { assessmentsPerHour: number };
    }>(ctx, [tenantId], 'id plan limits { assessmentsPerHour }');
    if (tenant)
      await this.deps.rates.consume(tenantId, 'aph', tenant.limits.assessmentsPerHour, 3600, 'assessments per hour');
    return tenant;
  }

  private sameOrConflict(
    existing: AssessmentDoc,
    candidateId: ObjectId,
    jobId: ObjectId,
    agents: string[],
  ): AssessmentDoc {
    const same =
      existing.candidateId.equals(candidateId) &&
      existing.jobId.equals(jobId) &&
      existing.agents.length === agents.length &&
      existing.agents.every((a, i) => a === agents[i]);
    if (!same)
      throw errors.conflict(
        `idempotencyKey "${existing.idempotencyKey}" was already used for another assessment input`,
      );
    return existing;
  }

  private async enqueue(ctx: RequestContext, doc: AssessmentDoc): Promise<void> {
    try {
      const data = {
        tenantId: doc.tenantId.toHexString(),
        assessmentId: doc._id.toHexString(),
        run: doc.run,
        requestId: ctx.requestId,
        priority: doc.priority,
      };
      await this.deps.queue.drive(data, nextStage(doc));
    } catch (err) {
      ctx.log.warn(
        { err, assessmentId: doc._id.toHexString() },
        'enqueue failed; the reconciler will enqueue this run',
      );
    }
  }

  async cancel(repo: AssessmentRepository, id: string): Promise<AssessmentDoc> {
    const out = await repo.transition(parseId(id), (doc) => {
      if (doc.status === 'CANCELLED') return null;
      if (!cancellable(doc.status))
        throw errors.badInput(
          `expected a QUEUED or RUNNING assessment to cancel, received one that is ${doc.status}`,
          'id',
        );
      const steps: Record<string, { status: 'SKIPPED' }> = {};
      for (const name of stepsToSkip(doc.steps)) steps[name] = { status: 'SKIPPED' };
      return { set: { status: 'CANCELLED', completedAt: new Date() }, steps, events: [{ type: 'CANCELLED' }] };
    });
    if (!out) throw errors.notFound('Assessment', id);
    await this.deps.relay.publish(out.doc, out.events, () => repo.eventLog(out.doc._id));
    // Best effort: steps that start anyway see CANCELLED in MongoDB and do nothing.
    await this.deps.queue.removeWaiting(id, out.doc.run, out.doc.agents).catch(() => undefined);
    return out.doc;
  }

  async retry(ctx: RequestContext, repo: AssessmentRepository, id: string): Promise<AssessmentDoc> {
    const oid = parseId(id);
    // Refused input is refused before the budget is spent; over budget, nothing is written or enqueued.
    const status = await repo.statusOf(oid);
    if (status === null) throw errors.notFound('Assessment', id);
    if (!retryable(status)) throw notRetryable(status);
    await this.charge(ctx, repo);
    const out = await repo.transition(oid, (doc) => {
      if (!retryable(doc.status)) throw notRetryable(doc.status);
      const steps: Record<string, { status: 'PENDING'; error: null; finishedAt: null }> = {};
      for (const name of stepsToRetry(doc.steps)) steps[name] = { status: 'PENDING', error: null, finishedAt: null };
      return {
        set: {
          status: 'QUEUED',
          run: doc.run + 1,
          error: null,
          completedAt: null,
          score: null,
          recommendation: null,
          summary: null,
        },
        steps,
        events: [{ type: 'QUEUED' }],
      };
    });
    if (!out) throw errors.notFound('Assessment', id);
    await this.deps.relay.publish(out.doc, out.events, () => repo.eventLog(oid));
    await this.enqueue(ctx, out.doc);
    return out.doc;
  }
}
