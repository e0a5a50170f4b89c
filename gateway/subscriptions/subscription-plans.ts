import type { FetchNode, PlanNode, SubscriptionNode } from '@apollo/query-planner';
import { GraphQLError, print, type DocumentNode } from 'graphql';
import { CompiledOperation } from '../execution/plan/operation';
import { OperationCache } from '../execution/plan/operation-cache';
import type { FederatedGraph } from '../execution/plan/plan-executor';
import { sharingOf, type PerRunPrimary } from './stream-sharing';

/** The service name under which each upstream event enters its one-off plan. */
export const PRIMARY = '__subscription_event';
const PLAN_CACHE_SIZE = 500;

/** A subscription operation as planned, once per text. */
export interface Planned {
  node: SubscriptionNode;
  /** Each event's plan (the event as the result of a fetch from PRIMARY, then the rest) and its shaping. */
  event: CompiledOperation;
  /** Set for a per-run subscription (its primary asks for each event's seq). */
  perRun: PerRunPrimary | null;
  /** A live-only subscription: identical ones of a tenant share one stream. */
  liveOnly: boolean;
  /** Operation name and printed text: what identifies it. */
  text: string;
}

/**
 * Subscription plans, made once per operation text (dashboards open the same subscription many
 * times) and found first by document: the servers' document caches hand the same document for the
 * same text, so a repeated subscribe prints nothing. How its subscribers may share, and the plan
 * each event runs, are settled here too, once.
 */
export class SubscriptionPlans {
  private readonly plans = new OperationCache<Planned>(PLAN_CACHE_SIZE);

  constructor(private readonly graph: FederatedGraph) {}

  plan(document: DocumentNode, operationName: string | undefined): Planned {
    return this.plans.get(
      document,
      operationName,
      () => print(document),
      (text) => this.make(document, operationName, text!),
    );
  }

  private make(document: DocumentNode, operationName: string | undefined, text: string): Planned {
    const plan = this.graph.plan(document, operationName);
    if (plan.node?.kind !== 'Subscription')
      throw new GraphQLError('expected a subscription operation', { extensions: { code: 'BAD_USER_INPUT' } });
    const sharing = sharingOf(plan.node.primary.operation);
    const perRun = sharing.kind === 'run' ? sharing.run : null;
    const node: SubscriptionNode = perRun
      ? { ...plan.node, primary: { ...plan.node.primary, operation: perRun.operation } }
      : plan.node;
    const eventFetch: FetchNode = {
      ...node.primary,
      serviceName: PRIMARY,
      operationKind: 'query' as FetchNode['operationKind'],
    };
    const root: PlanNode = node.rest ? { kind: 'Sequence', nodes: [eventFetch, node.rest] } : eventFetch;
    return {
      node,
      event: new CompiledOperation(this.graph.schema, document, operationName, { kind: 'QueryPlan', node: root }),
      perRun,
      liveOnly: sharing.kind === 'live',
      text,
    };
  }
}
