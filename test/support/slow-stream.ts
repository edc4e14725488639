import { request } from 'node:http';

export interface SlowStream {
  /** Resolves with the first chunk of the body. */
  started: Promise<void>;
  done: Promise<{ status: number; body: string }>;
  finished: () => boolean;
}

/** A streamed chat completion of `words` words through the mock provider, which sends one word per chunk (slow with its `chunk_delay_ms`). */
export function slowStream(port: number, apiKey: string, words: number): SlowStream {
  let finished = false;
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const body = JSON.stringify({ model: 'mock/echo', stream: true, messages: [{ role: 'user', content: Array.from({ length: words }, (_, i) => `w${i}`).join(' ') }] });
  const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/v1/chat/completions', agent: false, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', connection: 'close' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          markStarted();
        });
        res.on('end', () => {
          finished = true;
          resolve({ status: res.statusCode ?? 0, body: text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('the stream did not finish within 15 s')));
    req.end(body);
  });
  // Awaited through `started` (a stream that fails before its first chunk rejects it) or `done`, never unhandled.
  done.catch(() => undefined);
  return { started: Promise.race([started, done.then(() => undefined)]), done, finished: () => finished };
}

