import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type LlmBehaviour = 'ok' | 'garbage' | 'error500' | 'rateLimitedOnce' | 'slow' | 'error401' | 'notJson';

/** One chat-completions request as the fake saw it. */
export interface LlmCall {
  agent: string;
  start: number;
  end: number;
  status: number;
}

/**
 * A local OpenAI-compatible chat-completions endpoint for tests and benchmarks: it answers each
 * LLM agent (told apart by its rubric) after `latencyMs`, or misbehaves as told.
 */
export class FakeLlm {
  readonly calls: LlmCall[] = [];
  /** Requests as they arrive (calls records them when answered). */
  readonly received: Array<{ agent: string; at: number }> = [];
  /** Requests the caller gave up on (closed) before they were answered, when they closed. */
  readonly abandoned: Array<{ agent: string; at: number }> = [];
  behaviour: Record<string, LlmBehaviour> = {};
  latencyMs = 0;
  slowMs = 10_000;
  score = 72;
  /** What 'error401' (inside an OpenAI-style error object) and 'notJson' (as a 200 body) answer with. */
  errorText = 'Incorrect API key provided';
  private server: Server;
  private seen429 = new Set<string>();

  private constructor() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += String(c);
      });
      req.on('end', () => void this.answer(body, res));
    });
  }

  static async start(): Promise<FakeLlm> {
    const f = new FakeLlm();
    await new Promise<void>((r) => f.server.listen(0, '127.0.0.1', () => r()));
    return f;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  private async answer(body: string, res: import('node:http').ServerResponse): Promise<void> {
    const start = Date.now();
    const system = String(
      (JSON.parse(body) as { messages?: Array<{ content?: string }> }).messages?.[0]?.content ?? '',
    );
    const agent = /Rubric \((\w+)\)/.exec(system)?.[1] ?? 'unknown';
    const mode = this.behaviour[agent] ?? 'ok';
    this.received.push({ agent, at: start });
    let answered = false;
    res.once('close', () => {
      if (!answered) this.abandoned.push({ agent, at: Date.now() });
    });
    // A caller that gives up ends the wait too, so no timer outlives the request (or the test).
    await new Promise<void>((r) => {
      const timer = setTimeout(r, mode === 'slow' ? this.slowMs : this.latencyMs);
      res.once('close', () => {
        clearTimeout(timer);
        r();
      });
    });
    if (res.destroyed) return;
    let status = 200;
    let payload: unknown;
    if (mode === 'error500') {
      status = 500;
      payload = { error: { message: 'boom' } };
    } else if (mode === 'error401') {
      status = 401;
      payload = { error: { message: this.errorText, type: 'invalid_request_error', code: 'invalid_api_key' } };
    } else if (mode === 'rateLimitedOnce' && !this.seen429.has(agent)) {
      this.seen429.add(agent);
      status = 429;
      payload = { error: { message: 'slow down' } };
    } else {
      const content =
        mode === 'garbage'
          ? 'I think this candidate is great!'
          : JSON.stringify({ score: this.score, findings: [`${agent} looks fine`] });
      payload = {
        id: 'x',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      };
    }
    answered = true;
    if (!res.destroyed) {
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(status === 429 ? { 'retry-after-ms': '10' } : {}),
      });
      res.end(mode === 'notJson' ? this.errorText : JSON.stringify(payload));
    }
    this.calls.push({ agent, start, end: Date.now(), status });
  }

  callsOf(agent: string): LlmCall[] {
    return this.calls.filter((c) => c.agent === agent);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
