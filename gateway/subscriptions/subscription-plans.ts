import type { FetchNode, PlanNode, SubscriptionNode } from '@apollo/query-planner';
import { GraphQLError, print, type DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { CompiledOperation } from '../execution/plan/operation';
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
  private readonly byText = new LRUCache<string, Planned>({ max: PLAN_CACHE_SIZE });
  private readonly byDocument = new WeakMap<DocumentNode, Map<string, Planned>>();

  constructor(private readonly graph: FederatedGraph) {}

  plan(document: DocumentNode, operationName: string | undefined): Planned {
    const name = operationName ?? '';
    const seen = this.byDocument.get(document)?.get(name);
    if (seen) return seen;
    const text = `${name}\n${print(document)}`;
    let planned = this.byText.get(text);
    if (!planned) {
      planned = this.make(document, operationName, text);
      this.byText.set(text, planned);
    }
    const names = this.byDocument.get(document) ?? new Map<string, Planned>();
    this.byDocument.set(document, names.set(name, planned));
    return planned;
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
