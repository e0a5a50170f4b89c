import type { GraphQLFormattedError } from 'graphql';
import Negotiator from 'negotiator';

/**
 * Incremental delivery (@defer) in the format Apollo Client 3 and Apollo Router speak
 * (deferSpec=20220824): an initial `{ data, errors?, hasNext: true }`, then payloads
 * `{ incremental: [{ data, path, label?, errors? }], hasNext }`, the last with `hasNext: false`.
 */

export interface IncrementalItem {
  data?: Record<string, unknown> | null;
  path: (string | number)[];
  label?: string;
  errors?: readonly GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

export interface SubsequentPayload {
  incremental?: IncrementalItem[];
  hasNext: boolean;
}

/**
 * The side channel between a transport and the executor for one request. Apollo Server in gateway
 * mode returns single results only, so the executor answers the initial payload through Apollo
 * Server (and its plugins) and leaves the later ones here, for the transport to send after it.
 */
export interface IncrementalChannel {
  /** Whether the client reads incremental payloads (HTTP: its Accept allows multipart/mixed). */
  readonly accepted: boolean;
  /** Set by the executor when an operation's answer has later parts; the transport reads it to the end. */
  subsequent?: AsyncIterableIterator<SubsequentPayload>;
}

/** The media type of an incremental answer over HTTP, as Apollo Router and Apollo Server send it. */
export const MULTIPART_DEFER = 'multipart/mixed; boundary="-"; deferSpec=20220824';

/**
 * Whether an Accept header takes multipart answers in the 20220824 format: `multipart/mixed` with
 * `deferSpec=20220824` (Apollo Client, Router), or with no deferSpec at all (GraphiQL's fetcher,
 * which reads that format too). Another deferSpec, or none accepted, is not.
 */
export function acceptsMultipart(accept: string | undefined): boolean {
  if (!accept || !accept.includes('multipart/mixed')) return false;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    if (type !== 'multipart/mixed') continue;
    const spec = params.find((p) => p.startsWith('deferspec='));
    const q = params.find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) === 0) continue;
    if (!spec || spec.replace(/"/g, '') === 'deferspec=20220824') return true;
  }
  return false;
}

/** The media types Apollo Server negotiates for the initial payload, which must be JSON. */
export function jsonAccepted(accept: string | undefined): boolean {
  return new Negotiator({ headers: { accept } }).mediaType(['application/json', 'application/graphql-response+json'])
    ? true
    : false;
}

/** One part of a multipart answer (boundary `-`); the last closes the body with `-----`. */
export function multipartChunk(json: string, first: boolean, hasNext: boolean): string {
  return `${first ? '\r\n---\r\n' : ''}content-type: application/json; charset=utf-8\r\n\r\n${json}\r\n---${hasNext ? '' : '--'}\r\n`;
}

/** The initial payload's JSON with `"hasNext":true` added (the serializer wrote the object; its last `}` closes it). */
export function withHasNext(json: string): string {
  const end = json.lastIndexOf('}');
  return `${json.slice(0, end)},"hasNext":true}`;
}
