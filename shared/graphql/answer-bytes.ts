import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompress, constants, deflate, gzip } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import Negotiator from 'negotiator';
import { BROTLI_QUALITY, GZIP_LEVEL } from './http';

/** The content codings GraphQL answers are sent in, besides none. */
export type ContentEncoding = 'br' | 'gzip' | 'deflate';

type Zlib = (bytes: Buffer, options: object, done: (err: Error | null, out: Buffer) => void) => void;
const inThreadPool =
  (fn: Zlib, options: object) =>
  (bytes: Buffer): Promise<Buffer> =>
    new Promise((resolve, reject) => fn(bytes, options, (err, out) => (err ? reject(err) : resolve(out))));

const COMPRESS: Record<ContentEncoding, (bytes: Buffer) => Promise<Buffer>> = {
  br: inThreadPool(brotliCompress as Zlib, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } }),
  gzip: inThreadPool(gzip as Zlib, { level: GZIP_LEVEL }),
  deflate: inThreadPool(deflate as Zlib, { level: GZIP_LEVEL }),
};

const OFFERED = ['br', 'gzip', 'deflate', 'identity'];
/** On a tie of the client's weights, Brotli, then gzip: the smallest answers first. */
const PREFERRED = ['br', 'gzip'];
const NO_TRANSFORM = /(?:^|,)\s*no-transform\s*(?:,|$)/i;

/**
 * The coding to send an answer in, by the request's Accept-Encoding (weights respected, `br;q=0`
 * refuses Brotli); undefined for none, for HEAD, and when the response says `no-transform`.
 */
export function encodingFor(req: IncomingMessage, res: ServerResponse): ContentEncoding | undefined {
  if (!req.headers['accept-encoding'] || req.method === 'HEAD') return undefined;
  if (NO_TRANSFORM.test(String(res.getHeader('cache-control') ?? ''))) return undefined;
  // negotiator 1.x breaks ties with `preferred`; its published types still describe 0.6.
  const negotiator = new Negotiator(req) as unknown as {
    encoding(available: string[], options: { preferred: string[] }): string | undefined;
  };
  const chosen = negotiator.encoding(OFFERED, { preferred: PREFERRED });
  return chosen === 'br' || chosen === 'gzip' || chosen === 'deflate' ? chosen : undefined;
}

/** An answer as it goes on the wire. */
export interface SentAnswer {
  body: string | Buffer;
  encoding?: ContentEncoding;
}

interface Encoded {
  bytes: Buffer;
  compressed: Partial<Record<ContentEncoding, Promise<Buffer>>>;
}

/** Below this many characters an answer is encoded as it goes: cheaper than a lookup. */
const SHARED_MIN_CHARS = 4096;

/**
 * The bytes of GraphQL answers as sent: UTF-8, compressed when the client accepts it and the
 * answer has at least `thresholdBytes`. Callers that shared one execution get one answer text
 * (the gateway's result serializer), so a recent large answer is encoded once and compressed once per
 * coding, and every response writes the same buffer without a copy. Compression runs in libuv's
 * thread pool, and concurrent callers wait on the same one. What is kept maps an answer's text to
 * its bytes (at most 16 MiB of recent answers, with their compressed forms, which are smaller): it
 * can only ever encode a text it is given, never answer a query.
 */
export class AnswerBytes {
  private readonly recent = new LRUCache<string, Encoded>({
    maxSize: 16 * 1024 * 1024,
    maxEntrySize: 2 * 1024 * 1024,
    sizeCalculation: (e) => e.bytes.length,
  });

  /**
   * @param thresholdBytes answers smaller than this are sent uncompressed
   * @param shared whether callers share answers (the gateway, whose identical queries share one
   *   execution); false encodes every answer as it goes and keeps nothing
   */
  constructor(
    private readonly thresholdBytes: number,
    private readonly shared: boolean,
  ) {}

  async encode(text: string, encoding: ContentEncoding | undefined): Promise<SentAnswer> {
    const entry = this.shared && text.length >= SHARED_MIN_CHARS ? this.entryOf(text) : undefined;
    if (!encoding) return { body: entry?.bytes ?? text };
    const bytes = entry?.bytes ?? Buffer.from(text);
    if (bytes.length < this.thresholdBytes) return { body: bytes };
    let compressed = entry?.compressed[encoding];
    if (!compressed) {
      compressed = COMPRESS[encoding](bytes);
      if (entry) entry.compressed[encoding] = compressed;
    }
    try {
      return { body: await compressed, encoding };
    } catch {
      // zlib failing is no reason to fail the answer: send it as it is, and try afresh next time.
      if (entry?.compressed[encoding] === compressed) delete entry.compressed[encoding];
      return { body: bytes };
    }
  }

  private entryOf(text: string): Encoded {
    let entry = this.recent.get(text);
    if (!entry) this.recent.set(text, (entry = { bytes: Buffer.from(text), compressed: {} }));
    return entry;
  }
}
