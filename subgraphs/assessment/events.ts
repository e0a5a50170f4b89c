import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/logger';
import type { EventDoc } from './repository';

/** The Redis channel carrying one tenant's assessment events to every gateway. */
export function eventsChannel(prefix: string, tenantId: string): string {
  return `${prefix}:assessment-events:${tenantId}`;
}

export interface PublishedEvent { assessmentId: string; event: EventDoc }

/**
 * Publishes events after they are stored in MongoDB. A publish that fails is logged and
 * dropped: MongoDB's event log is the record, and subscribers catch up from it by seq.
 */
export class EventPublisher {
  constructor(private readonly redis: Redis, private readonly prefix: string, private readonly log: Logger) {}

  async publish(tenantId: string, assessmentId: string, events: EventDoc[]): Promise<void> {
    for (const event of events) {
      try {
        await this.redis.publish(eventsChannel(this.prefix, tenantId), JSON.stringify({ assessmentId, event } satisfies PublishedEvent));
      } catch (err) {
        this.log.warn({ err, assessmentId, seq: event.seq }, 'could not publish an assessment event; subscribers will read it from MongoDB');
      }
    }
  }
}
