import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { AnswerBytes, encodingFor, type ContentEncoding, type SentAnswer } from '../../shared/graphql/answer-bytes';

const INFLATE = { br: brotliDecompressSync, gzip: gunzipSync, deflate: inflateSync };
const decode = (sent: SentAnswer): string => {
  const body = typeof sent.body === 'string' ? Buffer.from(sent.body) : sent.body;
  return (sent.encoding ? INFLATE[sent.encoding](body) : body).toString('utf8');
};

const request = (acceptEncoding: string | undefined, method = 'POST') =>
  ({ method, headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } }) as IncomingMessage;
const response = (cacheControl?: string) => ({ getHeader: () => cacheControl }) as unknown as ServerResponse;

test.each([
  [undefined, undefined],
  ['identity', undefined],
  ['gzip', 'gzip'],
  ['gzip, deflate, br', 'br'],
  ['br;q=0, gzip', 'gzip'],
  ['gzip;q=0.5, br;q=0.1', 'gzip'],
  ['deflate', 'deflate'],
  ['*', 'br'],
  ['gzip;q=0, br;q=0', undefined],
  ['compress', undefined],
])('Accept-Encoding %p answers in %p', (header, expected) => {
  expect(encodingFor(request(header), response())).toBe(expected);
});

test('HEAD and a no-transform answer are never compressed', () => {
  expect(encodingFor(request('br', 'HEAD'), response())).toBeUndefined();
  expect(encodingFor(request('br'), response('private, no-transform'))).toBeUndefined();
  expect(encodingFor(request('br'), response('no-store'))).toBe('br');
});

test('every answer decodes to its text, in every coding, above and below the threshold', async () => {
  const answers = new AnswerBytes(1024, true);
  await fc.assert(
    fc.asyncProperty(
      fc.string({ unit: 'grapheme', maxLength: 3000 }),
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom<ContentEncoding | undefined>(undefined, 'br', 'gzip', 'deflate'),
      async (piece, times, encoding) => {
        const text = `{"data":${JSON.stringify(piece.repeat(times))}}\n`;
        const sent = await answers.encode(text, encoding);
        expect(decode(sent)).toBe(text);
        expect(sent.encoding).toBe(Buffer.byteLength(text) >= 1024 ? encoding : undefined);
      },
    ),
    { numRuns: 200 },
  );
});

test('callers of one large answer share its bytes and each compression, run once', async () => {
  const answers = new AnswerBytes(1024, true);
  const text = `{"data":${JSON.stringify({ names: Array.from({ length: 400 }, (_, i) => `Zoë ${i} 日本`) })}}\n`;
  const [a, b, c, plain] = await Promise.all([
    answers.encode(text, 'br'),
    answers.encode(text, 'br'),
    answers.encode(text, 'gzip'),
    answers.encode(text, undefined),
  ]);
  // The very same buffers: one UTF-8 encoding, one Brotli run for both Brotli callers.
  expect(b.body).toBe(a.body);
  expect(c.body).not.toBe(a.body);
  expect([a.encoding, c.encoding, plain.encoding]).toEqual(['br', 'gzip', undefined]);
  expect((await answers.encode(text, undefined)).body).toBe(plain.body);
  expect((await answers.encode(text, 'br')).body).toBe(a.body);
  expect([decode(a), decode(c), decode(plain)]).toEqual([text, text, text]);
  // Where callers never share answers (a subgraph), nothing is kept: each caller its own bytes.
  const unshared = new AnswerBytes(1024, false);
  const [x, y] = await Promise.all([unshared.encode(text, 'br'), unshared.encode(text, 'br')]);
  expect(y.body).not.toBe(x.body);
  expect([decode(x), decode(y)]).toEqual([text, text]);
});
