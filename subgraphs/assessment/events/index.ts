/**
 * The event path, and the one rule every part of it follows.
 *
 * - The record: MongoDB's `events` array on each assessment, seq 1..n, each event stored with
 *   a snapshot of the assessment right after it. An event exists once it is in that array.
 * - The cache: one Redis stream per tenant, holding a copy of the record, appended in seq order
 *   per assessment, each seq once. Only the relay (relay.ts, EventRelay) appends to it: right
 *   after a change is stored (`publish`, called by the run service and the worker's steps, which
 *   first appends what an earlier failed publish left out), and on each reconciler pass
 *   (`relayBehind`, for a run whose last events have no next event to carry them).
 * - The readers: per-run subscriptions (assessmentProgress) and tenant-wide ones
 *   (assessmentEvents) follow the stream through the hub (event-hub.ts) and deliver by seq,
 *   each once. Whatever the stream lacks, a gap before an entry's seq, or a silence while
 *   MongoDB holds newer events (the hub's `resync` after a Redis reconnect, the healer's silence
 *   check), is read back from the record by the healer (healer.ts, EventHealer) and served with
 *   the snapshots stored there. Live, replayed and healed events tell the same story.
 *
 * Nothing else repairs events: a new reader calls the healer, a new writer of events calls the relay.
 */
export { EventHub, SlowConsumerError, type HubItem, type Listener, type StreamEvent } from './event-hub';
export { EventHealer, type EventHealerOptions, type RunEvent } from './healer';
export { EventRelay, eventStreamKey, eventsDoorbell, type EventRelayOptions, type PublishedEvent } from './relay';
