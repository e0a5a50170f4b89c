import type { GraphQLDataSource, ServiceMap } from '@apollo/gateway';
import {
  GraphQLError,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import type { Logger } from '../../shared/logger';
import type { PlanExecutor } from '../execution/plan/plan-executor';
import { SharedStream } from './shared-stream';
import { socketRequest } from './socket-request';
import type { Upstream } from './upstream-pool';
import { boundedUpstream, dropFirst, whenDone } from './push-iterator';
import { joinRun, SEQ_KEY, type RunJoiner } from './stream-sharing';
import { PRIMARY, SubscriptionPlans, type Planned } from './subscription-plans';

/** What the executor needs of the caller's connection: its token and an upstream client per subgraph. */
export interface SubscriptionCaller {
  requestId: string;
  authorization: string | undefined;
  /**
   * Callers with the same key see the same data (same tenant, read access), so identical live-only
   * subscriptions may share one upstream stream. Undefined: never shared.
   */
  shareKey?: string;
  /**
   * A graphql-ws client to a subgraph for this caller: its tenant's shared socket when it has a
   * share key, else its connection's own. Each subscribe on it carries the caller's token.
   */
  upstream(serviceName: string): Upstream;
}

/**
 * Federated subscriptions. Apollo's query planner plans the operation: for a subscription it gives
 * a primary fetch to the subgraph that owns the field and the rest as fetches to other subgraphs.
 * The primary runs over graphql-ws on that subgraph; each event it yields becomes the result of a
 * fetch in a one-off query plan (event, then the rest), which the gateway's own plan executor runs
 * through `_entities` of the other subgraphs and shapes to the client's selection.
 */
export interface SubscriptionExecutorOptions {
  /** The gateway's plan executor: its supergraph is planned against, each event's plan run by it. Required. */
  executor: PlanExecutor;
  /** The subgraphs' data sources, for `_entities` fetches. Required. */
  services: ServiceMap;
  /** Where upstream failures are logged. Required. */
  log: Logger;
  /** Events one subscription may have waiting at the gateway (SUBSCRIPTION_MAX_QUEUED_EVENTS); default 1000. */
  maxQueued?: number;
}

/** The subscribers of one run with one selection, and their shared stream once there are two. */
interface RunShare {
  joiners: Map<RunJoiner, string | undefined>;
  live?: SharedStream;
}

export class SubscriptionExecutor {
  readonly schema: GraphQLSchema;
  private readonly executor: PlanExecutor;
  private readonly plans: SubscriptionPlans;
  private readonly shared = new Map<string, SharedStream>();
  private readonly runs = new Map<string, RunShare>();
  /** Each per-run result's event seq, read from the subgraph's event before it is shaped away. */
  private readonly seqs = new WeakMap<ExecutionResult, number>();
  private openUpstreams = 0;

  private readonly services: ServiceMap;
  private readonly log: Logger;
  private readonly maxQueued: number;

  constructor(opts: SubscriptionExecutorOptions) {
    this.services = opts.services;
    this.log = opts.log;
    this.maxQueued = opts.maxQueued ?? 1000;
    this.executor = opts.executor;
    this.schema = opts.executor.graph.schema;
    this.plans = new SubscriptionPlans(opts.executor.graph);
  }

  /**
   * Runs a subscription. Of one tenant (share key), live-only ones with the same text and variables
   * share one upstream stream and one plan execution per event; per-run ones of the same run and
   * selection do too once a second subscriber comes, each starting on its own subscription
   * (SNAPSHOT or replay) and moving to the shared one when it catches up (joinRun). The
   * iterator's return() closes the upstream at once, even between events.
   */
  subscribe(
    caller: SubscriptionCaller,
    document: DocumentNode,
    variables: Record<string, unknown>,
    operationName: string | undefined,
  ): AsyncIterableIterator<ExecutionResult> {
    const planned = this.plans.plan(document, operationName);
    if (caller.shareKey && planned.perRun) return this.joinRun(caller, planned, variables);
    if (!caller.shareKey || !planned.liveOnly) return this.own(caller, planned, variables);
    const key = `${caller.shareKey}\n${planned.text}\n${JSON.stringify(variables)}`;
    let shared = this.shared.get(key);
    if (!shared) {
      const created = this.openShared(caller, planned, variables, false, () => {
        if (this.shared.get(key) === created) this.shared.delete(key);
      });
      this.shared.set(key, (shared = created));
    }
    return shared.join(caller.authorization);
  }

  /** A subscription of the caller's own, on its own upstream subscription. */
  private own(
    caller: SubscriptionCaller,
    planned: Planned,
    variables: Record<string, unknown>,
  ): AsyncIterableIterator<ExecutionResult> {
    let upstream: AsyncIterator<unknown> | undefined;
    const lent = caller.upstream(planned.node.primary.serviceName);
    const gen = this.stream(caller, lent, planned, variables, (it) => {
      upstream = it;
    });
    return {
      next: () => gen.next(),
      return: async () => {
        await upstream?.return?.(undefined);
        // A generator returned before its first next() never runs its finally.
        lent.release();
        return gen.return(undefined);
      },
      throw: (err: unknown) => gen.throw(err),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /**
   * One upstream subscription for several subscribers. Its entity fetches go with a current
   * subscriber's token, not the opener's (the opener's until the stream exists: it starts reading
   * inside its own constructor). `skipFirst` drops its first result: a per-run stream's own SNAPSHOT.
   */
  private openShared(
    caller: SubscriptionCaller,
    planned: Planned,
    variables: Record<string, unknown>,
    skipFirst: boolean,
    onIdle: () => void,
  ): SharedStream {
    const lent = caller.upstream(planned.node.primary.serviceName);
    const made: { stream?: SharedStream } = {};
    const current: SubscriptionCaller = {
      ...caller,
      get authorization() {
        return made.stream?.authorization() ?? caller.authorization;
      },
    };
    const source = this.stream(current, lent, planned, variables);
    made.stream = new SharedStream({
      source: skipFirst ? dropFirst(source) : source,
      stop: () => lent.release(),
      onIdle,
      maxQueued: this.maxQueued,
    });
    return made.stream;
  }

  /** A per-run subscriber: its own subscription, joined to the run's shared stream when it has company. */
  private joinRun(
    caller: SubscriptionCaller,
    planned: Planned,
    variables: Record<string, unknown>,
  ): AsyncIterableIterator<ExecutionResult> {
    const from = planned.perRun!.fromVariable;
    const common = Object.fromEntries(Object.entries(variables).filter(([k]) => k !== from));
    const key = `${caller.shareKey}\n${planned.text}\n${JSON.stringify(common)}`;
    let run = this.runs.get(key);
    if (!run) this.runs.set(key, (run = { joiners: new Map() }));
    const share = run;
    const joiner = joinRun(this.own(caller, planned, variables), (r) => this.seqs.get(r), this.maxQueued);
    share.joiners.set(joiner, caller.authorization);
    if (share.joiners.size >= 2) {
      if (!share.live) {
        const created = this.openShared(caller, planned, common, true, () => {
          if (share.live === created) share.live = undefined;
        });
        share.live = created;
      }
      for (const [j, authorization] of share.joiners) if (!j.attached) j.attach(share.live.join(authorization));
    }
    return whenDone(joiner.iterator, () => {
      share.joiners.delete(joiner);
      if (share.joiners.size === 0 && this.runs.get(key) === share) this.runs.delete(key);
    });
  }

  /** Upstream streams currently shared, tenant-wide and per run (for tests and metrics). */
  get sharedStreams(): number {
    let runs = 0;
    for (const r of this.runs.values()) if (r.live) runs++;
    return this.shared.size + runs;
  }

  /** Subscriptions open on subgraphs for this gateway's subscribers, shared ones counted once (for tests and metrics). */
  get upstreamSubscriptions(): number {
    return this.openUpstreams;
  }

  /** Runs the plan for each event of the primary subscription; releases `lent` when it ends. */
  private async *stream(
    caller: SubscriptionCaller,
    lent: Upstream,
    planned: Planned,
    variables: Record<string, unknown>,
    onUpstream?: (it: AsyncIterator<unknown>) => void,
  ): AsyncGenerator<ExecutionResult> {
    const { node, perRun, event: operation } = planned;
    const primary = node.primary;
    const primaryVars = Object.fromEntries(
      (primary.variableUsages ?? []).filter((v) => v in variables).map((v) => [v, variables[v]]),
    );
    // The subgraph runs the operation as this caller (token and request id per subscribe), since
    // the socket may be its tenant's, shared with other callers.
    const upstream = boundedUpstream(
      lent.client,
      {
        query: primary.operation,
        variables: primaryVars,
        operationName: primary.operationName,
        extensions: { authorization: caller.authorization, 'x-request-id': caller.requestId },
      },
      this.maxQueued,
    );
    this.openUpstreams++;
    onUpstream?.(upstream);
    try {
      for await (const event of upstream) {
        if (!event.data) {
          yield { errors: toErrors(event.errors) };
          continue;
        }
        const source: GraphQLDataSource = {
          process: async () => ({ data: event.data as Record<string, unknown>, errors: event.errors }),
        };
        const result = await this.executor.run(
          operation,
          operation.plan,
          { ...this.services, [PRIMARY]: source },
          socketRequest(caller, this.log, { query: primary.operation, variables }),
        );
        const out: ExecutionResult = { data: result.data, errors: result.errors, extensions: result.extensions };
        const seq = perRun && (event.data[perRun.responseKey] as Record<string, unknown> | null)?.[SEQ_KEY];
        if (typeof seq === 'number') this.seqs.set(out, seq);
        yield out;
      }
    } finally {
      this.openUpstreams--;
      await upstream.return();
      lent.release();
    }
  }
}

/** The subgraph's errors (JSON from graphql-ws) as GraphQLErrors, codes kept. */
function toErrors(list: readonly unknown[] | undefined): GraphQLError[] {
  return (list ?? []).map((e) => {
    const f = e as GraphQLFormattedError;
    return new GraphQLError(f.message ?? String(e), { path: f.path, extensions: f.extensions });
  });
}
