/** An event as a subscriber sees it, with the fields the story checks select. */
export interface StoryEvent {
  seq: number;
  type: string;
  step: { name: string; status: string; attempts: number } | null;
  assessment: {
    status: string;
    progress: number;
    score: number | null;
    steps: Array<{ name: string; status: string; attempts: number }>;
  };
}

/** The selection a story check needs; tests add fields from other subgraphs around it. */
export const STORY_FIELDS =
  'seq type step { name status attempts } assessment { status progress score steps { name status attempts } }';

const STEP_STATUS: Record<string, string> = {
  STEP_STARTED: 'RUNNING',
  STEP_SUCCEEDED: 'SUCCEEDED',
  STEP_FAILED: 'FAILED',
  STEP_RETRYING: 'PENDING',
};
const RUN_STATUS: Record<string, string> = {
  QUEUED: 'QUEUED',
  STARTED: 'RUNNING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
};

/**
 * Throws at the first event whose state does not say what its type says happened: a step event's
 * step has the status of its type and equals the assessment's copy of that step; the assessment's
 * status is the one the run had at that moment; progress never goes back within a run (a retry's
 * QUEUED starts a new one); a run's terminal event carries its final status and score.
 */
export function expectTruthfulStory(events: StoryEvent[]): void {
  let progress = 0;
  for (const e of events) {
    const where = `event seq ${e.seq} ${e.type}${e.step ? ` (${e.step.name})` : ''}`;
    const fail = (what: string) => {
      throw new Error(`${where}: ${what}; event: ${JSON.stringify(e)}`);
    };
    const stepStatus = STEP_STATUS[e.type];
    if (stepStatus) {
      if (!e.step) fail('a step event without its step');
      if (e.step!.status !== stepStatus) fail(`expected step status ${stepStatus}, received ${e.step!.status}`);
      const copy = e.assessment.steps.find((s) => s.name === e.step!.name);
      if (!copy || copy.status !== e.step!.status || copy.attempts !== e.step!.attempts)
        fail(`the assessment's copy of the step differs: ${JSON.stringify(copy)}`);
      if (e.assessment.status !== 'RUNNING')
        fail(`expected the assessment RUNNING during a step event, received ${e.assessment.status}`);
      if (e.type === 'STEP_STARTED' && e.step!.attempts < 1) fail('a started step with no attempt counted');
    } else {
      const runStatus = RUN_STATUS[e.type];
      if (!runStatus) fail('unknown event type');
      if (e.assessment.status !== runStatus)
        fail(`expected assessment status ${runStatus}, received ${e.assessment.status}`);
      if (e.type === 'COMPLETED' && e.assessment.score === null) fail('a COMPLETED run without a score');
      if (e.type !== 'COMPLETED' && e.assessment.score !== null) fail('a score before the run completed');
      if (e.type === 'QUEUED') progress = 0;
    }
    if (e.assessment.progress < progress) fail(`progress went back from ${progress} to ${e.assessment.progress}`);
    progress = e.assessment.progress;
  }
}
