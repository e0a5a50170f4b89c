import { Counter, Gauge, type Registry } from 'prom-client';

export type DropReason = 'slow_consumer' | 'token_expired';

/** What the subscription gauges read at each scrape. */
export interface SubscriptionCounts {
  /** Subscriptions open on this gateway. */
  open(): number;
  /** Tenants' sockets to subgraphs. */
  upstreamSockets(): number;
  /** Subscriptions open on subgraphs, each shared one once. */
  upstreamSubscriptions(): number;
  /** Upstream streams shared by several subscribers. */
  sharedStreams(): number;
}

/**
 * The gateway's subscription metrics: how many are open, what they cost upstream (sockets,
 * subscriptions, shared streams: how much sharing saves is open against upstream subscriptions),
 * read at each scrape, and which ones it ended itself. Returns what to call on such an end.
 */
export function subscriptionMetrics(registry: Registry, counts: SubscriptionCounts): (reason: DropReason) => void {
  const dropped = new Counter({
    name: 'hiregraph_subscriptions_dropped_total',
    help: 'Subscriptions this gateway ended itself, by reason (slow_consumer, token_expired)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('hiregraph_subscriptions_open', 'Subscriptions open on this gateway', counts.open);
  gauge(
    'hiregraph_subscription_upstream_sockets',
    "Tenants' sockets from this gateway to subgraphs, one per subgraph and tenant with subscriptions",
    counts.upstreamSockets,
  );
  gauge(
    'hiregraph_subscription_upstream_subscriptions',
    "Subscriptions open on subgraphs for this gateway's subscribers, each shared one counted once",
    counts.upstreamSubscriptions,
  );
  gauge(
    'hiregraph_subscription_shared_streams',
    'Upstream streams shared by several subscribers (tenant-wide, or of one run)',
    counts.sharedStreams,
  );
  return (reason) => dropped.inc({ reason });
}
