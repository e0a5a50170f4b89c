import { errors } from '../../../shared/errors';
import { parseId } from '../../../shared/mongo/ids';
import { SlowConsumerError, type EventHub, type Listener } from '../events/event-hub';
import type { EventHealer } from '../events/healer';
import type { AssessmentRepository } from '../store/repository';
import { stateView, toEvent } from '../store/view';

/** Options of the event resolvers (subscriptions and the stream cursor). */
export interface EventOptions {
  /** Delivers by seq and reads what a subscription lacks back from MongoDB. Required. */
  healer: EventHealer;
  /** Entries kept per tenant stream (EVENT_STREAM_MAXLEN), for the marker an empty stream's cursor needs. Required. */
  streamMaxLen: number;
}

/**
 * assessmentProgress: listens first, then reads MongoDB, so no event falls between the two; sends
 * a SNAPSHOT (or the stored events after afterSeq), then live events in seq order, each once, the
 * healer filling what the stream lacks from MongoDB. Completes after a terminal event.
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
  const events = opts.healer.run({ repo, listener, doc, after: last });
  return closingWith(
    listener,
    (async function* stream() {
      try {
        if (afterSeq === null || afterSeq === undefined) {
          yield {
            assessmentProgress: toEvent(
              { seq: doc.eventSeq, type: 'SNAPSHOT', at: new Date(), step: null },
              stateView(doc),
            ),
          };
        }
        for await (const e of events) {
          last = e.event.seq;
          yield { assessmentProgress: toEvent(e.event, e.assessment) };
        }
      } catch (err) {
        throw err instanceof SlowConsumerError
          ? errors.rateLimited(`${err.message}: resubscribe with afterSeq ${last}`, 0)
          : err;
      } finally {
        await events.return(undefined);
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
export async function assessmentEvents(
  repo: AssessmentRepository,
  hub: EventHub,
  after: string | null | undefined,
  opts: Pick<EventOptions, 'healer'>,
) {
  const listener = await hub.listen(repo.tenantId.toHexString(), { after: after ?? null });
  return closingWith(
    listener,
    (async function* stream() {
      let last = after ?? null;
      try {
        for await (const item of opts.healer.tenant(repo, listener, (cursor) => (last = cursor))) {
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

/**
 * An async generator's return() waits for its pending await; closing the listener first wakes it,
 * so an unsubscribe releases the Redis listener at once rather than at the tenant's next event.
 */
function closingWith<T>(listener: Listener, gen: AsyncGenerator<T>): AsyncGenerator<T> {
  const original = gen.return.bind(gen);
  gen.return = (value) => {
    listener.close();
    return original(value);
  };
  return gen;
}
