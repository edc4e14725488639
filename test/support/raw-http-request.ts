import { request } from 'node:http';

/** A request as a hostile client writes it: headers in order, a name may repeat. */
export interface RawRequest {
  method: string;
  path: string;
  /** In order; a name may repeat. */
  headers: Array<[string, string]>;
  body?: Buffer;
  /** Sent in pieces with transfer-encoding: chunked instead of a content-length. */
  chunked?: boolean;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Sends `sent` to `origin` on a fresh connection exactly as given (repeated headers kept,
 * nothing normalised by fetch) and reads the whole answer; no answer within 15 s fails.
 */
export function sendRawRequest(origin: string, sent: RawRequest): Promise<RawAnswer> {
  const { hostname, port } = new URL(origin);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of sent.headers) {
    const had = headers[name];
    headers[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  if (sent.body !== undefined && !sent.chunked) headers['content-length'] = String(sent.body.length);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method: sent.method, path: sent.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer to ${sent.method} ${sent.path.slice(0, 100)} within 15 s`)));
    req.on('error', reject);
    if (sent.body !== undefined && sent.chunked) {
      // Three pieces, the first splitting whatever character or token lies there.
      const third = Math.max(1, Math.floor(sent.body.length / 3));
      req.write(sent.body.subarray(0, third));
      req.write(sent.body.subarray(third, 2 * third));
      req.end(sent.body.subarray(2 * third));
    } else {
      req.end(sent.body);
    }
  });
}
