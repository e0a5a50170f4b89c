import { Counter, Gauge, type Registry } from 'prom-client';

export type DropReason = 'slow_consumer' | 'token_expired';

/**
 * The gateway's subscription metrics: how many are open (read from `open` at each scrape) and
 * which ones it ended itself. Returns what to call on such an end.
 */
export function subscriptionMetrics(registry: Registry, open: () => number): (reason: DropReason) => void {
  const dropped = new Counter({
    name: 'hiregraph_subscriptions_dropped_total',
    help: 'Subscriptions this gateway ended itself, by reason (slow_consumer, token_expired)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'hiregraph_subscriptions_open',
    help: 'Subscriptions open on this gateway',
    registers: [registry],
    collect() {
      this.set(open());
    },
  });
  return (reason) => dropped.inc({ reason });
}
