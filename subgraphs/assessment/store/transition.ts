import type { Document, ObjectId } from 'mongodb';
import type { TenantScoped } from '../../../shared/mongo/scoped';
import { applyChange, type AssessmentDoc, type Change, type EventDoc, type FieldPatch } from './model';

/**
 * How many of the latest events a transition reads: enough for the relay to fill in what other
 * writers have stored and not yet published, without reading a log that grows with every step.
 */
export const EVENT_TAIL = 8;
/** The projection of every read a transition makes. */
export const RECENT = { events: { $slice: -EVENT_TAIL } };
const MAX_CAS_TRIES = 50;

/** What a transition answers: the document right after it (`events` only its latest ones) and the events it stored. */
export interface Transitioned {
  doc: AssessmentDoc;
  events: EventDoc[];
}

/**
 * The fields a transition writes: every field a change may patch (FieldPatch), its steps, and the
 * version and time it stamps. Keyed by that type, so a field added to FieldPatch fails to compile
 * here until it is written too.
 */
const WRITTEN = Object.keys({
  status: true,
  score: true,
  recommendation: true,
  summary: true,
  error: true,
  startedAt: true,
  completedAt: true,
  input: true,
  run: true,
  steps: true,
  updatedAt: true,
  eventSeq: true,
} satisfies Record<keyof FieldPatch | 'steps' | 'updatedAt' | 'eventSeq', true>) as Array<
  keyof FieldPatch | 'steps' | 'updatedAt' | 'eventSeq'
>;

/**
 * The compare-and-set as one pipeline update: every field is written only if the stored eventSeq
 * is still `seq` (each expression sees the document as it was before the stage, eventSeq
 * included), else the document is left as it is. Values go in as $literal: a string such as a
 * finding may start with `$`.
 */
export function casUpdate(seq: number, state: AssessmentDoc, events: EventDoc[]): Document[] {
  const same = { $eq: ['$eventSeq', seq] };
  const set: Document = {};
  for (const f of WRITTEN) set[f] = { $cond: [same, { $literal: state[f] }, `$${f}`] };
  set.events = { $cond: [same, { $concatArrays: ['$events', { $literal: events }] }, '$events'] };
  return [{ $set: set }];
}

/**
 * Applies `decide`'s change with optimistic concurrency on eventSeq (every write of an assessment
 * records at least one event, so eventSeq is its version). `known` is a document seen earlier (the
 * previous checkpoint of this worker): the change is tried against it with no read first. Every
 * attempt is one round trip, as the update answers with the document it found: when the version
 * had moved on, that document is the fresh read to decide again on. A decision not to change (or
 * an error) drawn from `known` alone is not trusted: it is taken again on a fresh read.
 */
export async function transition(
  scoped: TenantScoped<AssessmentDoc>,
  id: ObjectId,
  decide: (doc: AssessmentDoc) => Change | null,
  known?: AssessmentDoc,
): Promise<Transitioned | null> {
  const read = () => scoped.findOne({ _id: id }, { projection: RECENT });
  let doc = known ?? (await read());
  let fresh = !known;
  for (let i = 0; i < MAX_CAS_TRIES && doc; i++) {
    let change: Change | null;
    try {
      change = decide(doc);
    } catch (err) {
      if (fresh) throw err;
      change = null;
    }
    if (!change) {
      if (fresh) return { doc, events: [] };
      [doc, fresh] = [await read(), true];
      continue;
    }
    // A change without events would not move the version other writers compare against.
    if (!change.events.length) throw new Error('a transition must record at least one event');
    const now = new Date();
    const { state, events } = applyChange(doc, change, now);
    const after = { ...state, updatedAt: now };
    const before = await scoped.updateReturningBefore({ _id: id }, casUpdate(doc.eventSeq, after, events), RECENT);
    if (!before) return null;
    if (before.eventSeq === doc.eventSeq)
      return { doc: { ...after, events: [...doc.events, ...events].slice(-EVENT_TAIL) }, events };
    [doc, fresh] = [before, true];
  }
  if (!doc) return null;
  throw new Error(`assessment ${id.toHexString()} kept changing under ${MAX_CAS_TRIES} attempts to update it`);
}
