import { STORY_FIELDS, type StoryEvent } from './event-story';
import type { TestStack } from './stack';

/**
 * The GraphQL documents the e2e suites share: the two subscriptions with their resume arguments,
 * each suite choosing only what it selects, and the query a dashboard loads a cursor with.
 */

/** Every event of the caller's tenant; with `$after` (a cursor), first every event after it. */
export const tenantEvents = (selection: string): string =>
  `subscription($after: String) { assessmentEvents(after: $after) { ${selection} } }`;

/** One run's events: a SNAPSHOT first (or, with `$after`, every event after that seq), then live ones. */
export const runProgress = (selection: string): string =>
  `subscription($id: ID!, $after: Int) { assessmentProgress(id: $id, afterSeq: $after) { ${selection} } }`;

/** The least a tenant-wide subscription can ask: for suites about whether one is accepted, not what it says. */
export const EVENTS_SEQ = 'subscription { assessmentEvents { seq } }';

/** The tenant's events told as a story (see event-story), with where to resume and whose they are. */
export const TENANT_STORY = tenantEvents(`cursor ${STORY_FIELDS} assessment { id }`);
export type TenantStoryEvent = { assessmentEvents: StoryEvent & { cursor: string; assessment: { id: string } } };

/** One run's events told as a story, with whose they are. */
export const RUN_STORY = runProgress(`${STORY_FIELDS} assessment { id }`);
export type RunStoryEvent = { assessmentProgress: StoryEvent & { assessment: { id: string } } };

/** The tenant stream's current end: subscribing with it as `after` misses nothing from this moment on. */
export async function streamEnd(t: TestStack, token: string): Promise<string> {
  const r = await t.gql<{ assessmentEventsCursor: string }>('{ assessmentEventsCursor }', {}, token);
  if (!r.data) throw new Error(`assessmentEventsCursor failed: ${JSON.stringify(r.errors)}`);
  return r.data.assessmentEventsCursor;
}
