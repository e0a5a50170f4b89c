import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { signToken } from '../../shared/auth';
import { mongoCommandCountsAt } from '../../test/support/metrics';
import { TEST_JWT_SECRET } from '../../test/support/secrets';
import { DASHBOARD_QUERY } from './dashboard';

/*
 * The load of the full-stack benchmark: requests of distinct users, and what they cost in MongoDB.
 */

export const CONNECTIONS = 8;
/** Tokens signed per second of a run: far more than it can send, so no two requests share one. */
export const TOKENS_PER_SECOND = 1000;
const BODY = JSON.stringify({ query: DASHBOARD_QUERY });

/** `count` tokens of distinct users (sub) of one tenant, viewers, signed as its identity provider would. */
export async function distinctTokens(tenantId: string, count: number): Promise<string[]> {
  const run = randomBytes(4).toString('hex');
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      signToken(TEST_JWT_SECRET, { sub: `user-${run}-${i}`, tid: tenantId, roles: ['viewer'] }),
    ),
  );
}

/** The dashboard's answer as sent, for a user of its own. */
export async function answer(url: string, tenantId: string): Promise<string> {
  const [token] = await distinctTokens(tenantId, 1);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: BODY,
  });
  return res.text();
}

/** Enough distinct users' tokens for a run of `seconds`. */
export const tokensFor = (tenantId: string, seconds: number) => distinctTokens(tenantId, seconds * TOKENS_PER_SECOND);

/** autocannon for `seconds`, each request with the next of `tokens`; throws if they ran out. */
export async function load(url: string, seconds: number, tokens: string[]): Promise<autocannon.Result> {
  let next = 0;
  const headers = { 'content-type': 'application/json' };
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers,
    body: BODY,
    requests: [
      { setupRequest: (req) => ({ ...req, headers: { ...headers, authorization: `Bearer ${tokens[next++]}` } }) },
    ],
  });
  if (next > tokens.length)
    throw new Error(`sent ${next} requests with ${tokens.length} tokens: raise TOKENS_PER_SECOND`);
  return result;
}

export type Commands = Record<string, number>;

/** What `fn` returned, and the MongoDB commands the subgraphs sent while it ran, by command (from their /metrics). */
export async function commandsDuring<T>(
  metricsUrls: string[],
  fn: () => Promise<T>,
): Promise<{ result: T; commands: Commands }> {
  const before = await mongoCommandCountsAt(metricsUrls);
  const result = await fn();
  const after = await mongoCommandCountsAt(metricsUrls);
  return { result, commands: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)])) };
}

/**
 * The commands of one answer at rest: the fewest of three single requests, as the subgraphs'
 * own timers (the event relay, the reconciler) may send a command while one runs.
 */
export async function commandsOfOne(metricsUrls: string[], url: string, tenantId: string): Promise<Commands> {
  const tries: Commands[] = [];
  for (let i = 0; i < 3; i++) tries.push((await commandsDuring(metricsUrls, () => answer(url, tenantId))).commands);
  return tries.reduce((a, b) => (total(b) < total(a) ? b : a));
}

export const total = (c: Commands): number => Object.values(c).reduce((a, v) => a + v, 0);

/** "5.00 (find 3.00, aggregate 2.00)": commands per request, less `background` (per second) over `seconds`. */
export function perRequest(c: Commands, requests: number, background: Commands = {}, seconds = 0): string {
  const net = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v - (background[k] ?? 0) * seconds]));
  const n = Math.max(1, requests);
  const parts = Object.entries(net)
    .filter(([, v]) => Math.abs(v / n) >= 0.005)
    .map(([k, v]) => `${k} ${(v / n).toFixed(2)}`);
  return `${(total(net) / n).toFixed(2)}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}
