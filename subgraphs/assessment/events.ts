import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/logger';
import type { AssessmentDoc, EventDoc } from './repository';
import { toAssessment, type AssessmentView } from './view';

/** The Redis channel carrying one tenant's assessment events to every gateway. */
export function eventsChannel(prefix: string, tenantId: string): string {
  return `${prefix}:assessment-events:${tenantId}`;
}

/** What goes over Redis: the event and the assessment right after it (JSON: ids and dates as strings). */
export interface PublishedEvent { assessmentId: string; event: EventDoc; assessment: AssessmentView }

/**
 * Publishes events after they are stored in MongoDB. A publish that fails is logged and
 * dropped: MongoDB's event log is the record, and subscribers catch up from it by seq.
 */
export class EventPublisher {
  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly log: Logger) {}

  async publish(doc: AssessmentDoc, events: EventDoc[]): Promise<void> {
    const tenantId = doc.tenantId.toHexString();
    const assessmentId = doc._id.toHexString();
    const assessment = toAssessment(doc);
    for (const event of events) {
      try {
        await this.redis.publish(eventsChannel(this.prefix, tenantId), JSON.stringify({ assessmentId, event, assessment } satisfies PublishedEvent));
      } catch (err) {
        this.log.warn({ err, assessmentId, seq: event.seq }, 'could not publish an assessment event; subscribers will read it from MongoDB');
      }
    }
  }
}
