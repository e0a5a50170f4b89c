import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launchChromium } from '../support/browser';
import { startRunHarness, type RunHarness } from '../support/runs';
import { waitFor } from '../support/wait';

/**
 * The IDE as a person uses it: headless Chromium opens GET /graphql, puts a token in the Headers
 * editor, runs a query, then a subscription that shows live events with fields from several
 * subgraphs. Every file the page loads comes from the gateway (no CDN). Screenshots land in
 * test-artifacts/.
 */
const ARTIFACTS = resolve(__dirname, '../../test-artifacts');
const run = browserAvailable() ? describe : describe.skip;

run('GraphQL IDE in a browser', () => {
  let h: RunHarness;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startRunHarness();
    await h.startWorker();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('request', (r) => {
      requested.push(r.url());
    });
    page.on('pageerror', (e) => {
      problems.push(`page error: ${e.message}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  /** Sets an editor's text through CodeMirror, the way typing into it would. */
  // Runs in the page; `document` there is the browser's (this file is typed for Node).
  const setEditor = (selector: string, text: string) =>
    page
      .evaluate(
        ([sel, value]) => {
          const el = (
            globalThis as unknown as {
              document: { querySelector(s: string): { CodeMirror?: { setValue(v: string): void } } | null };
            }
          ).document.querySelector(sel);
          if (!el?.CodeMirror) throw new Error(`no editor at ${sel}`);
          el.CodeMirror.setValue(value);
        },
        [selector, text] as const,
      )
      .then(() => page.waitForTimeout(500)); // GraphiQL re-reads the operation after a debounce, as a person pauses before clicking
  const response = () =>
    page.evaluate(() => {
      const el = (
        globalThis as unknown as {
          document: { querySelector(s: string): { CodeMirror?: { getValue(): string } } | null };
        }
      ).document.querySelector('.graphiql-response .CodeMirror');
      return el?.CodeMirror?.getValue() ?? '';
    });

  /** Waits for the response pane to satisfy `ok`; on timeout, saves a screenshot and says what the pane showed. */
  const waitForResponse = async (ok: (text: string) => boolean, what: string, timeoutMs: number): Promise<string> => {
    try {
      return await waitFor(
        async () => {
          const r = await response();
          return ok(r) ? r : undefined;
        },
        timeoutMs,
        what,
      );
    } catch (err) {
      await page.screenshot({ path: resolve(ARTIFACTS, 'ide-failure.png') });
      throw new Error(
        `${(err as Error).message}; the response pane shows: ${await response()}; page problems: ${problems.join(' | ')}`,
      );
    }
  };

  test('opens from GET /graphql and loads only files the gateway serves', async () => {
    const origin = new URL(h.t.stack.gateway.url).origin;
    const res = await page.goto(h.t.stack.gateway.url);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-type']).toContain('text/html');
    await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 20_000 });
    // The schema arrived by introspection: the docs explorer lists the root types.
    await page.click('button[aria-label="Show Documentation Explorer"]');
    await page.waitForSelector('.graphiql-doc-explorer >> text=Subscription', { timeout: 10_000 });
    expect(requested.length).toBeGreaterThan(5);
    expect(requested.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual([]);
  });

  test('runs a query with the bearer token from the Headers editor', async () => {
    await page.click('.graphiql-editor-tools button:has-text("Headers")');
    await setEditor(
      '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror',
      JSON.stringify({ authorization: `Bearer ${h.token}` }, null, 2),
    );
    // The query the IDE opens with runs as it stands.
    await page.click('.graphiql-execute-button');
    const first = JSON.parse(
      await waitForResponse((r) => r.includes('"tenant"'), 'the default query result', 15_000),
    ) as { data: { tenant: { name: string }; jobs: { edges: unknown[] } } };
    expect(first.data.jobs.edges.length).toBe(1);
    await setEditor(
      '.graphiql-query-editor .CodeMirror',
      `query CandidateAndJob { candidate(id: "${h.candidateId}") { name skills } job(id: "${h.jobId}") { title } }`,
    );
    await page.click('.graphiql-execute-button');
    const text = await waitForResponse((r) => r.includes('"candidate"'), 'the query result', 15_000);
    expect(JSON.parse(text)).toEqual({
      data: {
        candidate: { name: 'Grace Hopper', skills: ['TypeScript', 'GraphQL', 'COBOL'] },
        job: { title: 'Senior Backend Engineer' },
      },
    });
    await page.screenshot({ path: resolve(ARTIFACTS, 'ide-query.png') });
  });

  test('runs a subscription over graphql-ws and shows live events with fields from other subgraphs', async () => {
    await setEditor(
      '.graphiql-query-editor .CodeMirror',
      'subscription Live { assessmentEvents { seq type assessment { id status candidate { name } job { title } } } }',
    );
    await page.click('.graphiql-execute-button');
    // The subscription is open once the button offers to stop it.
    await page.waitForSelector('.graphiql-execute-button[aria-label*="top"]', { timeout: 10_000 });
    const started = await h.start();
    const id = started.data!.startAssessment.id;
    const text = await waitForResponse(
      (r) => r.includes(id) && r.includes('Grace Hopper'),
      'a live event in the response pane',
      30_000,
    );
    const shown = JSON.parse(text) as {
      data: { assessmentEvents: { assessment: { id: string; candidate: { name: string }; job: { title: string } } } };
    };
    expect(shown.data.assessmentEvents.assessment).toMatchObject({
      id,
      candidate: { name: 'Grace Hopper' },
      job: { title: 'Senior Backend Engineer' },
    });
    await page.screenshot({ path: resolve(ARTIFACTS, 'ide-subscription.png') });
    await page.click('.graphiql-execute-button');
    expect(problems).toEqual([]);
  });
});
