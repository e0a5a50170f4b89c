import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

/** An answer as it came over the wire, and its body decoded by its Content-Encoding. */
export interface RawAnswer {
  status: number;
  /** The Content-Encoding, '' when none. */
  encoding: string;
  /** The Vary header, '' when none. */
  vary: string;
  /** The body's bytes as sent. */
  wire: Buffer;
  text: string;
}

/**
 * POSTs a GraphQL query with an Accept-Encoding of the caller's choosing and reads the answer as
 * sent (fetch would decompress it on its own), for tests and benchmarks of compression.
 */
export function postRaw(url: string, token: string, query: string, acceptEncoding: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'accept-encoding': acceptEncoding,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const wire = Buffer.concat(chunks);
          const encoding = String(res.headers['content-encoding'] ?? '');
          const body = encoding === 'br' ? brotliDecompressSync(wire) : encoding === 'gzip' ? gunzipSync(wire) : wire;
          resolve({
            status: res.statusCode ?? 0,
            encoding,
            vary: String(res.headers.vary ?? ''),
            wire,
            text: body.toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query }));
  });
}
