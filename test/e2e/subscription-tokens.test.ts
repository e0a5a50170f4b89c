import { signToken } from '../../shared/auth';
import { useRunHarness } from '../support/runs';
import { waitFor } from '../support/wait';
import { collect, wsClient } from '../support/ws-client';
import { TEST_JWT_SECRET } from '../support/secrets';

/** A subscription ends when its own token expires; identical subscriptions sharing its upstream go on. */
const h = useRunHarness();

const EVENTS = 'subscription { assessmentEvents { seq type assessment { id candidate { name } } } }';
type Ev = { assessmentEvents: { seq: number; type: string; assessment: { id: string; candidate: { name: string } } } };

test("the opener's token expires: its subscription ends UNAUTHENTICATED, the other subscriber of the same stream keeps getting events", async () => {
  const short = await signToken(
    TEST_JWT_SECRET,
    { sub: 'short-lived', tid: h.tenantId, roles: ['viewer'] },
    { expiresIn: '2s' },
  );
  const opener = wsClient(h.t.stack.gateway.url, short);
  const other = wsClient(h.t.stack.gateway.url, h.token);
  try {
    const first = collect<Ev>(opener, EVENTS);
    await waitFor(async () => h.t.stack.gateway.openSubscriptions() === 1, 5000, 'the opener subscribed');
    const second = collect<Ev>(other, EVENTS);
    await waitFor(async () => h.t.stack.gateway.openSubscriptions() === 2, 5000, 'the second subscribed');
    await first.done;
    const err = first.errors[0] as { message: string; extensions?: { code?: string } };
    expect(err.extensions?.code).toBe('UNAUTHENTICATED');
    expect(err.message).toMatch(/token expired/);
    expect(h.t.stack.gateway.openSubscriptions()).toBe(1);
    const id = (await h.start({ agents: ['skills'] })).data!.startAssessment.id;
    await waitFor(
      async () =>
        second.events.some((e) => e.assessmentEvents.type === 'COMPLETED' && e.assessmentEvents.assessment.id === id),
      30_000,
      'the run on the remaining subscriber',
    );
    expect(second.errors).toEqual([]);
    expect(second.events.every((e) => e.assessmentEvents.assessment.candidate.name === 'Grace Hopper')).toBe(true);
    second.stop();
  } finally {
    await opener.dispose();
    await other.dispose();
  }
});
