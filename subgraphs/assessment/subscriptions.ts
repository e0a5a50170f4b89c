import { errors } from '../../shared/errors';
import { parseId } from '../../shared/mongo/ids';
import type { EventHub, Listener } from './event-hub';
import type { AssessmentRepository, EventDoc } from './repository';
import { TERMINAL } from './model';
import { toAssessment, toEvent } from './view';

const TERMINAL_EVENTS = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/**
 * assessmentProgress: listens first, then reads MongoDB, so no event falls between the two; sends
 * a SNAPSHOT (or the stored events after afterSeq), then live events in seq order, each once.
 * A live event that arrives past a gap (a lost publish) makes it read the missing ones back from
 * MongoDB. Completes after a terminal event. Bad input and a missing (or another tenant's)
 * assessment fail here, before the stream starts, so the error reaches the client with its code.
 */
export async function assessmentProgress(repo: AssessmentRepository, hub: EventHub, idArg: string, afterSeq: number | null | undefined) {
  const id = parseId(idArg);
  if (afterSeq !== null && afterSeq !== undefined && (!Number.isInteger(afterSeq) || afterSeq < 0)) {
    throw errors.badInput(`expected afterSeq to be a whole number >= 0, received ${afterSeq}`, 'afterSeq');
  }
  const listener = await hub.listen(repo.tenantId.toHexString(), id.toHexString());
  const doc = await repo.full(id).catch((err: unknown) => { listener.close(); throw err; });
  if (!doc) {
    listener.close();
    throw errors.notFound('Assessment', idArg);
  }
  return closingWith(listener, (async function* stream() {
    try {
      let last: number;
      if (afterSeq === null || afterSeq === undefined) {
        yield { assessmentProgress: toEvent({ seq: doc.eventSeq, type: 'SNAPSHOT' as never, at: new Date(), step: null }, toAssessment(doc)) };
        last = doc.eventSeq;
      } else {
        last = afterSeq;
        for (const e of doc.events.filter((x) => x.seq > afterSeq)) {
          yield { assessmentProgress: toEvent(e, toAssessment(doc)) };
          last = e.seq;
        }
      }
      if (TERMINAL.has(doc.status) && last >= doc.eventSeq) return;
      for await (const msg of listener) {
        if (msg.assessmentId !== doc._id.toHexString() || msg.event.seq <= last) continue;
        if (msg.event.seq > last + 1) {
          const fresh = await repo.full(id);
          for (const e of (fresh?.events ?? []).filter((x: EventDoc) => x.seq > last && x.seq < msg.event.seq)) {
            yield { assessmentProgress: toEvent(e, toAssessment(fresh!)) };
            last = e.seq;
          }
        }
        yield { assessmentProgress: toEvent(msg.event, msg.assessment) };
        last = msg.event.seq;
        if (TERMINAL_EVENTS.has(msg.event.type)) return;
      }
    } finally {
      listener.close();
    }
  })());
}

/** assessmentEvents: live events of every assessment of the caller's tenant. */
export async function assessmentEvents(repo: AssessmentRepository, hub: EventHub) {
  const listener = await hub.listen(repo.tenantId.toHexString());
  return closingWith(listener, (async function* stream() {
    try {
      for await (const msg of listener) yield { assessmentEvents: toEvent(msg.event, msg.assessment) };
    } finally {
      listener.close();
    }
  })());
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

