/** Options of the OpenAI-compatible chat-completions client. */
export interface LlmOptions {
  /** Base URL; requests go to `${baseUrl}/chat/completions`. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Per-call timeout in ms; a timeout is retried like a 5xx. */
  timeoutMs: number;
  /**
   * Calls per request before giving up on 429, 5xx and timeouts. Default: 3. The worker's agents
   * make one (engine/retries.ts: a run's retries are BullMQ's attempts).
   */
  tries?: number;
  /** First backoff in ms; doubles each retry, with ±50% jitter. Default: 250. */
  backoffMs?: number;
}

/**
 * What the provider sent, kept on the error for the server's log (pino's `{ err }` serializer
 * writes it) and never in the message, which becomes the step's error that tenant users read:
 * provider bodies can echo keys, account details or other tenants' prompts.
 */
const MAX_LOGGED_BODY = 2000;
abstract class LlmError extends Error {
  readonly providerBody?: string;
  constructor(message: string, providerBody?: string) {
    super(message);
    this.name = new.target.name;
    if (providerBody !== undefined) this.providerBody = providerBody.slice(0, MAX_LOGGED_BODY);
  }
}
/** An answer that cannot be used: the attempt fails; no score is ever made up. */
export class LlmAnswerError extends LlmError {}
/**
 * The endpoint kept failing (429/5xx/timeouts: `retryable`, a later attempt may succeed) or
 * refused the request (other 4xx: not retryable, the same request is refused again).
 */
export class LlmCallError extends LlmError {
  readonly retryable: boolean;
  /** How long the endpoint asked to wait (retry-after on the last answer), capped; absent when it did not say. */
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    how: { providerBody?: string | undefined; retryable: boolean; retryAfterMs?: number | undefined },
  ) {
    super(message, how.providerBody);
    this.retryable = how.retryable;
    if (how.retryAfterMs !== undefined) this.retryAfterMs = how.retryAfterMs;
  }
}

/** A fixed reading of the statuses a provider refuses with: what a tenant user may be told. */
function refusal(status: number): string {
  if (status === 401 || status === 403) return 'the LLM endpoint refused the credentials (check LLM_API_KEY)';
  if (status === 404) return 'the LLM endpoint or model was not found (check LLM_BASE_URL and LLM_MODEL)';
  return 'the LLM endpoint refused the request';
}

const RETRYABLE = (status: number) => status === 429 || status >= 500;

/** retry-after (seconds) or retry-after-ms, capped, when the server says how long to wait. */
function retryAfterMs(res: Response): number | null {
  const ms = Number(res.headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return Math.min(ms, 30_000);
  const s = Number(res.headers.get('retry-after'));
  return Number.isFinite(s) && s > 0 ? Math.min(s * 1000, 30_000) : null;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * Sends one chat completion asking for a JSON object and returns the parsed object. Retries
 * 429, 5xx and timeouts with exponential backoff and jitter; anything else fails at once.
 */
export async function chatJson(opts: LlmOptions, system: string, user: string, signal: AbortSignal): Promise<unknown> {
  const tries = opts.tries ?? 3;
  const base = opts.backoffMs ?? 250;
  let lastError = 'no attempt made';
  let lastDetail: string | undefined;
  let lastWait: number | undefined;
  for (let attempt = 1; attempt <= tries; attempt++) {
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    let res: Response | null = null;
    try {
      res = await fetch(`${opts.baseUrl.replace(/\/$/, '')}/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: opts.model,
          temperature: 0,
          response_format: { type: 'json_object' },
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: user },
          ],
        }),
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (err) {
      if (signal.aborted) throw err;
      // Only the kind of failure: a network error's text can name hosts and addresses.
      lastError = timeout.aborted ? `timed out after ${opts.timeoutMs} ms` : 'the request did not reach the endpoint';
      lastDetail = String((err as Error).cause ?? (err as Error).message);
    }
    if (res) {
      if (res.ok) return parseAnswer(await res.text());
      lastError = `HTTP ${res.status}`;
      if (RETRYABLE(res.status)) lastDetail = await res.text().catch(() => '');
      if (!RETRYABLE(res.status))
        throw new LlmCallError(`${refusal(res.status)}: ${lastError}`, {
          providerBody: await res.text().catch(() => ''),
          retryable: false,
        });
    }
    lastWait = (res && retryAfterMs(res)) ?? undefined;
    if (attempt < tries) await sleep(lastWait ?? base * 2 ** (attempt - 1) * (0.5 + Math.random()), signal);
  }
  const failed = tries === 1 ? 'the LLM endpoint failed' : `the LLM endpoint failed ${tries} times; last`;
  throw new LlmCallError(`${failed}: ${lastError}`, {
    providerBody: lastDetail,
    retryable: true,
    retryAfterMs: lastWait,
  });
}

function parseAnswer(body: string): unknown {
  let envelope: { choices?: Array<{ message?: { content?: unknown } }> };
  try {
    envelope = JSON.parse(body) as typeof envelope;
  } catch {
    throw new LlmAnswerError(
      `expected a chat-completions JSON response, received ${body.length} characters that are not JSON`,
      body,
    );
  }
  const content = envelope.choices?.[0]?.message?.content;
  if (typeof content !== 'string') throw new LlmAnswerError('expected choices[0].message.content to be a string', body);
  const json = content
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  try {
    return JSON.parse(json) as unknown;
  } catch {
    throw new LlmAnswerError(
      `expected the model to answer with a JSON object, received ${content.length} characters that are not JSON`,
      content,
    );
  }
}
