import { Counter, type Registry } from 'prom-client';
import { errors } from '../../shared/errors';
import type { EntityClientTimeout } from '../../shared/graphql/entity-client';

/**
 * SUBGRAPH_TIMEOUT_MS, one owner for every gateway→subgraph fetch (query-plan fetches, the entity
 * fetches of subscription events, tenant limits reads): a subgraph that never answers costs its
 * caller this long at most, not undici's 300 s holding one of the pool's connections.
 */
export class SubgraphTimeout {
  private readonly timeouts: Counter<'subgraph'>;

  constructor(
    readonly ms: number,
    registry: Registry,
  ) {
    this.timeouts = new Counter({
      name: 'hiregraph_subgraph_fetch_timeouts_total',
      help: 'Gateway fetches to a subgraph cut off after SUBGRAPH_TIMEOUT_MS without a whole answer, by subgraph',
      labelNames: ['subgraph'] as const,
      registers: [registry],
    });
  }

  /**
   * Runs a fetch with a signal that aborts when its time is up; a fetch that fails after that
   * fails with `exceeded`. A timer cleared when the fetch settles, not AbortSignal.timeout's, which
   * stays armed for the whole timeout after every fetch on the gateway's hot path.
   */
  async within<T>(subgraph: string, fetch: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.ms);
    try {
      return await fetch(deadline.signal);
    } catch (err) {
      throw deadline.signal.aborted ? this.exceeded(subgraph) : err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The error a cut-off fetch fails with, counted. It keeps the code an unreachable subgraph gives
   * and is marked as a subgraph's (serviceName), so production says only "internal server error".
   */
  exceeded(subgraph: string): Error {
    this.timeouts.inc({ subgraph });
    const failure = errors.internal(
      `the ${subgraph} subgraph did not answer within ${this.ms} ms (SUBGRAPH_TIMEOUT_MS)`,
    );
    Object.assign(failure.extensions, { serviceName: subgraph });
    return failure;
  }

  /** The same deadline for an EntityClient reading `subgraph`'s entities. */
  of(subgraph: string): EntityClientTimeout {
    return { ms: this.ms, exceeded: () => this.exceeded(subgraph) };
  }
}
