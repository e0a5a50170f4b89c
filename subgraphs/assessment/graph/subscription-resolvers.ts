import { LRUCache } from 'lru-cache';
import { errors } from '../../../shared/errors';
import { parseId } from '../../../shared/mongo/ids';
import type { CatchUp } from '../events/catch-up';
import { SlowConsumerError, type EventHub, type Listener } from '../events/event-hub';
import type { AssessmentRepository } from '../store/repository';
import { TERMINAL, type AssessmentDoc } from '../store/model';
import { assessmentAt, toAssessment, toEvent } from '../store/view';

const TERMINAL_EVENTS = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** Options of the event resolvers (subscriptions and the stream cursor). */
export interface EventOptions {
  /** Finds silent per-run subscriptions whose run has newer events than they got (a lost publish). */
  catchUp: CatchUp;
  /** Entries kept per tenant stream (EVENT_STREAM_MAXLEN), for the marker an empty stream's cursor needs. */
  streamMaxLen: number;
}

/**
 * assessmentProgress: listens first, then reads MongoDB, so no event falls between the two; sends
 * a SNAPSHOT (or the stored events after afterSeq), then live events in seq order, each once.
 * A live event past a gap, a Redis reconnect, or the catch-up finding it silent behind MongoDB
 * makes it read the missing events back from MongoDB, each with the state stored with it. Completes after a terminal event.
 * Bad input and a missing (or another tenant's) assessment fail here, before the stream starts,
 * so the error reaches the client with its code.
 */
export async function assessmentProgress(
  repo: AssessmentRepository,
  hub: EventHub,
  idArg: string,
  afterSeq: number | null | undefined,
  opts: EventOptions,
) {
  const id = parseId(idArg);
  if (afterSeq !== null && afterSeq !== undefined && (!Number.isInteger(afterSeq) || afterSeq < 0)) {
    throw errors.badInput(`expected afterSeq to be a whole number >= 0, received ${afterSeq}`, 'afterSeq');
  }
  const listener = await hub.listen(repo.tenantId.toHexString(), { assessmentId: id.toHexString() });
  const doc = await repo.full(id).catch((err: unknown) => {
    listener.close();
    throw err;
  });
  if (!doc) {
    listener.close();
    throw errors.notFound('Assessment', idArg);
  }
  let last = afterSeq ?? doc.eventSeq;
  let heardAt = Date.now();
  const unwatch = opts.catchUp.watch({
    repo,
    id: id.toHexString(),
    last: () => last,
    heardAt: () => heardAt,
    nudge: () => listener.nudge(),
  });
  return closingWith(
    listener,
    unwatch,
    (async function* stream() {
      /** Stored events after `last` (up to `before`), each with its own snapshot. */
      const stored = function* (from: AssessmentDoc, before = Infinity) {
        for (const e of from.events) {
          if (e.seq <= last || e.seq >= before) continue;
          last = e.seq;
          yield { assessmentProgress: toEvent(e, assessmentAt(from, e)) };
        }
      };
      const over = (d: AssessmentDoc) => TERMINAL.has(d.status) && last >= d.eventSeq;
      try {
        if (afterSeq === null || afterSeq === undefined) {
          yield {
            assessmentProgress: toEvent(
              { seq: doc.eventSeq, type: 'SNAPSHOT', at: new Date(), step: null },
              toAssessment(doc),
            ),
          };
        } else {
          yield* stored(doc);
        }
        if (over(doc)) return;
        for await (const item of listener) {
          heardAt = Date.now();
          if ('resync' in item) {
            const fresh = await repo.full(id);
            if (!fresh) return;
            yield* stored(fresh);
            if (over(fresh)) return;
            continue;
          }
          if (item.event.seq <= last) continue;
          if (item.event.seq > last + 1) {
            const fresh = await repo.full(id);
            if (fresh) yield* stored(fresh, item.event.seq);
          }
          yield { assessmentProgress: toEvent(item.event, item.assessment) };
          last = item.event.seq;
          if (TERMINAL_EVENTS.has(item.event.type)) return;
        }
      } catch (err) {
        throw err instanceof SlowConsumerError
          ? errors.rateLimited(`${err.message}: resubscribe with afterSeq ${last}`, 0)
          : err;
      } finally {
        unwatch();
        listener.close();
      }
    })(),
  );
}

/**
 * assessmentEvents: every event of every assessment of the caller's tenant, in order per
 * assessment. With `after` (a cursor this subscription sent), first every event after it, once,
 * then live ones; a cursor the tenant's stream no longer holds is refused with BAD_USER_INPUT.
 */
export async function assessmentEvents(repo: AssessmentRepository, hub: EventHub, after: string | null | undefined) {
  const listener = await hub.listen(repo.tenantId.toHexString(), { after: after ?? null });
  return closingWith(
    listener,
    () => undefined,
    (async function* stream() {
      let last = after ?? null;
      // Each assessment's last seq delivered: after a Redis failover that lost replication, the
      // stream can hold an assessment's events a second time (re-published from MongoDB).
      const delivered = new LRUCache<string, number>({ max: MAX_TRACKED });
      try {
        for await (const item of listener) {
          if ('resync' in item) continue;
          last = item.cursor;
          const id = item.assessmentId;
          if (item.event.seq <= (delivered.get(id) ?? 0)) continue;
          delivered.set(id, item.event.seq);
          yield { assessmentEvents: toEvent(item.event, item.assessment, item.cursor) };
        }
      } catch (err) {
        throw err instanceof SlowConsumerError
          ? errors.rateLimited(`${err.message}: resubscribe with after ${last ?? 'the last cursor you saw'}`, 0)
          : err;
      } finally {
        listener.close();
      }
    })(),
  );
}

/** Assessments whose last seq one tenant-wide subscription remembers (the least recently active go first). */
const MAX_TRACKED = 10_000;

/**
 * An async generator's return() waits for its pending await; closing the listener first wakes it,
 * so an unsubscribe releases the Redis listener at once rather than at the tenant's next event.
 */
function closingWith<T>(listener: Listener, cleanup: () => void, gen: AsyncGenerator<T>): AsyncGenerator<T> {
  const original = gen.return.bind(gen);
  gen.return = (value) => {
    cleanup();
    listener.close();
    return original(value);
  };
  return gen;
}
