import { ObjectId } from 'mongodb';
import { applyChange, newAssessment, type AssessmentDoc } from '../../subgraphs/assessment/store/model';
import { assessmentAt } from '../../subgraphs/assessment/store/view';

const base = (): AssessmentDoc => ({
  ...newAssessment({ candidateId: new ObjectId(), jobId: new ObjectId(), agents: ['skills'], idempotencyKey: null }),
  tenantId: new ObjectId(),
});

describe('a change with several events gives each event the state right after it', () => {
  test('STARTED then STEP_STARTED: the run is RUNNING before validation is', () => {
    const doc = base();
    const at = new Date('2026-01-02T03:04:05Z');
    const { state, events } = applyChange(
      doc,
      {
        events: [
          { type: 'STARTED', set: { status: 'RUNNING', startedAt: at } },
          {
            type: 'STEP_STARTED',
            step: 'validation',
            steps: { validation: { status: 'RUNNING', attempts: 1, startedAt: at } },
          },
        ],
      },
      at,
    );
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [2, 'STARTED'],
      [3, 'STEP_STARTED'],
    ]);
    expect(events[0]!.step).toBeNull();
    expect(events[0]!.assessment!.status).toBe('RUNNING');
    expect(events[0]!.assessment!.steps.find((s) => s.name === 'validation')!.status).toBe('PENDING');
    expect(events[1]!.step).toMatchObject({ name: 'validation', status: 'RUNNING', attempts: 1 });
    expect(events[1]!.assessment!.steps.find((s) => s.name === 'validation')!.status).toBe('RUNNING');
    expect(state.eventSeq).toBe(3);
    expect(state.status).toBe('RUNNING');
    // The input document is left as it was: a failed compare-and-set retries from it.
    expect(doc.status).toBe('QUEUED');
    expect(doc.steps[0]!.status).toBe('PENDING');
  });

  test('STEP_SUCCEEDED then COMPLETED: the score belongs to the COMPLETED event only', () => {
    const doc = base();
    const at = new Date();
    const { events } = applyChange(
      doc,
      {
        set: { status: 'RUNNING' },
        events: [
          { type: 'STEP_SUCCEEDED', step: 'synthesis', steps: { synthesis: { status: 'SUCCEEDED', score: 72.5 } } },
          { type: 'COMPLETED', set: { status: 'COMPLETED', score: 72.5, recommendation: 'HIRE', completedAt: at } },
        ],
      },
      at,
    );
    expect(events[0]!.assessment).toMatchObject({
      status: 'RUNNING',
      score: null,
      recommendation: null,
      completedAt: null,
    });
    expect(events[0]!.step).toMatchObject({ name: 'synthesis', status: 'SUCCEEDED', score: 72.5 });
    expect(events[1]!.assessment).toMatchObject({
      status: 'COMPLETED',
      score: 72.5,
      recommendation: 'HIRE',
      completedAt: at,
    });
    // progress: 1 of 3 steps finished after the first event, as the view computes it.
    expect(assessmentAt(doc, events[0]!).progress).toBeCloseTo(1 / 3);
    expect(assessmentAt(doc, events[1]!).status).toBe('COMPLETED');
  });

  test('a later patch does not reach into an earlier snapshot', () => {
    const doc = base();
    const { events } = applyChange(
      doc,
      {
        events: [
          { type: 'STEP_STARTED', step: 'skills', steps: { skills: { status: 'RUNNING', attempts: 1 } } },
          { type: 'STEP_SUCCEEDED', step: 'skills', steps: { skills: { status: 'SUCCEEDED', findings: ['ok'] } } },
        ],
      },
      new Date(),
    );
    expect(events[0]!.step).toMatchObject({ status: 'RUNNING', findings: [] });
    expect(events[1]!.step).toMatchObject({ status: 'SUCCEEDED', findings: ['ok'] });
    expect(events[0]!.assessment!.steps.find((s) => s.name === 'skills')!.status).toBe('RUNNING');
  });

  test('an event about a step the run does not have is refused', () => {
    expect(() => applyChange(base(), { events: [{ type: 'STEP_STARTED', step: 'nope' }] }, new Date())).toThrow(
      /no step nope/,
    );
  });

  test('the QUEUED event of a new run carries the QUEUED state', () => {
    const doc = base();
    expect(doc.events).toHaveLength(1);
    expect(doc.events[0]!.assessment).toMatchObject({ status: 'QUEUED', score: null });
    expect(doc.events[0]!.assessment!.steps.every((s) => s.status === 'PENDING')).toBe(true);
  });
});
