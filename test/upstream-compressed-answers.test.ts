import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, constants, createBrotliCompress, createGzip, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { readFixture } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Upstream answers compressed although the gateway asked for `identity` (a server or a
 * proxy that ignores accept-encoding): whole answers and event streams are decompressed
 * as they arrive, the decompressed size held to `limits.stream_max_bytes` (a
 * decompression bomb is cut, never held), and bytes that do not decompress are a clear
 * error: a 502 before the stream began, an error event after.
 */

const maxBytes = 4 * 1024 * 1024;
const answerJson = readFixture('openai', 'response.json');
const streamText = readFixture('openai', 'stream.txt');
const events = streamText.split(/\n\n+/).filter((event) => event.trim() !== '').map((event) => `${event}\n\n`);

/** The text an OpenAI event stream carries, from its `data:` lines. */
function streamedContent(text: string): string {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => (JSON.parse(line.slice(6)) as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content ?? '')
    .join('');
}

type Script = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
let script: Script;
let gateway: TestGateway;
const upstream = createServer((req, res) => {
  req.resume();
  req.once('end', () => void script(req, res));
});

beforeAll(async () => {
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await startTestGateway({
    providers: { openai: { api_key: 'sk-openai-test-0123456789', base_url: `${url}/v1` } },
    models: { once: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } },
    limits: { stream_max_bytes: maxBytes },
  });
});
afterAll(async () => {
  await gateway?.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

function chat(stream: boolean): Promise<Response> {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'once', stream, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

/** Reads a streamed answer until `until` holds of what arrived so far, then calls `then`, then reads the rest. */
async function readStream(response: Response, until: (text: string) => boolean, then: () => void): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let told = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (!told && until(text)) {
      told = true;
      then();
    }
  }
  return text;
}

/** A gate the upstream waits at until the test opens it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

type Compressor = ReturnType<typeof createGzip> | ReturnType<typeof createBrotliCompress>;
/** How each compressor is made to put out all it holds (brotli's operations are numbered apart from zlib's flushes). */
const flushKinds = new WeakMap<Compressor, number>();
const gzipStream = (): Compressor => {
  const gzip = createGzip();
  flushKinds.set(gzip, constants.Z_SYNC_FLUSH);
  return gzip;
};
const brotliStream = (): Compressor => {
  const brotli = createBrotliCompress();
  flushKinds.set(brotli, constants.BROTLI_OPERATION_FLUSH);
  return brotli;
};

/** Writes `chunk` into a compressing stream and flushes it, so the compressed bytes of it are on the wire now. */
async function writeFlushed(compressor: Compressor, chunk: string): Promise<void> {
  compressor.write(chunk);
  await new Promise<void>((resolve) => compressor.flush(flushKinds.get(compressor) ?? constants.Z_SYNC_FLUSH, () => resolve()));
}

/** 1 MiB of zeros as one gzip member (~1 KB): members in a row are one gzip body, so a bomb of any size costs one buffer. */
const zerosMember = gzipSync(Buffer.alloc(1024 * 1024));

describe('a compressed upstream answer', () => {
  it.each([
    ['gzip', 'gzip', (body: string) => gzipSync(body)],
    ['x-gzip', 'x-gzip', (body: string) => gzipSync(body)],
    ['br', 'br', (body: string) => brotliCompressSync(body)],
    ['deflate', 'deflate', (body: string) => deflateSync(body)],
    ['raw deflate under the name deflate', 'deflate', (body: string) => deflateRawSync(body)],
    ['gzip listed after identity', 'identity, gzip', (body: string) => gzipSync(body)],
  ] as const)('whole, in %s: decompressed and answered', async (_label, coding, encode) => {
    script = (_req, res) => {
      const body = encode(answerJson);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding, 'content-length': String(body.length) });
      res.end(body);
    };
    const response = await chat(false);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(answer.choices[0]!.message.content).toBe("It's currently 18°C and partly cloudy in Paris.");
  });

  it.each([
    ['gzip', gzipStream],
    ['br', brotliStream],
  ] as const)('streamed in %s: each event reaches the client as it is decompressed, before the upstream sends the next', async (coding, createCompressor) => {
    const firstSeen = gate();
    script = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': coding });
      const gzip: Compressor = createCompressor();
      gzip.pipe(res);
      await writeFlushed(gzip, events[0]! + events[1]!);
      // The rest only once the client holds the first events: they came through decompressed, not at the end.
      await firstSeen.opened;
      for (const event of events.slice(2)) await writeFlushed(gzip, event);
      gzip.end();
    };
    const response = await chat(true);
    expect(response.status).toBe(200);
    const text = await readStream(response, (so) => streamedContent(so).length > 0, firstSeen.open);
    expect(streamedContent(text)).toBe(streamedContent(streamText));
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('a decompression bomb (1 GiB of zeros in ~1 MB of gzip, sent on and on) is cut at limits.stream_max_bytes: a 502, and the upstream is cut off before it is done', async () => {
    let upstreamDone = false;
    let upstreamCut: Promise<unknown> = Promise.resolve();
    script = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      upstreamCut = once(res, 'close');
      // 64 GiB of zeros once decompressed, written with backpressure: the test holds one member.
      for (let sent = 0; sent < 64 * 1024 && !res.destroyed; sent++) {
        if (!res.write(zerosMember)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      }
      upstreamDone = !res.destroyed;
      res.end();
    };
    const response = await chat(false);
    expect(response.status).toBe(502);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('upstream_response_too_large');
    expect(error.message).toContain(`more than ${maxBytes} bytes`);
    await upstreamCut;
    expect(upstreamDone).toBe(false);
  });

  it('a bomb after the stream began ends it with an upstream_response_too_large event', async () => {
    const firstSeen = gate();
    script = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      const gzip = createGzip();
      gzip.pipe(res, { end: false });
      await writeFlushed(gzip, events[0]! + events[1]!);
      await firstSeen.opened;
      // The first member ends whole; the bomb goes on in the same body, a gzip member per MiB of zeros.
      gzip.end();
      await once(gzip, 'end');
      for (let sent = 0; sent < 64 * 1024 && !res.destroyed; sent++) {
        if (!res.write(zerosMember)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      }
      res.end();
    };
    const response = await chat(true);
    expect(response.status).toBe(200);
    const text = await readStream(response, (so) => streamedContent(so).length > 0, firstSeen.open);
    const last = text.trimEnd().split('\n').at(-1)!;
    expect(JSON.parse(last.slice('data: '.length)).error).toMatchObject({ code: 'upstream_response_too_large', type: 'server_error' });
  });

  it('a body that is not gzip although it says so is a 502 naming gzip', async () => {
    script = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(answerJson);
    };
    const response = await chat(false);
    expect(response.status).toBe(502);
    const { error } = (await response.json()) as { error: { code: string; message: string; type: string } };
    expect(error).toMatchObject({ code: 'upstream_invalid_response', type: 'server_error' });
    expect(error.message).toContain('The openai upstream sent a gzip-encoded answer that could not be decompressed');
  });

  it('a gzip stream that turns corrupt after its first events ends with an upstream_invalid_response event', async () => {
    const firstSeen = gate();
    script = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      const gzip = createGzip();
      gzip.pipe(res);
      await writeFlushed(gzip, events[0]! + events[1]!);
      await firstSeen.opened;
      gzip.unpipe(res);
      res.end(Buffer.alloc(64, 0xff));
    };
    const response = await chat(true);
    expect(response.status).toBe(200);
    const text = await readStream(response, (so) => streamedContent(so).length > 0, firstSeen.open);
    const last = text.trimEnd().split('\n').at(-1)!;
    const { error } = JSON.parse(last.slice('data: '.length)) as { error: { code: string; message: string } };
    expect(error.code).toBe('upstream_invalid_response');
    expect(error.message).toContain('gzip-encoded answer that could not be decompressed');
  });

  it('a coding the gateway cannot decompress (zstd) is a 502 that names it', async () => {
    script = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'zstd' });
      res.end(answerJson);
    };
    const response = await chat(false);
    expect(response.status).toBe(502);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('upstream_invalid_response');
    expect(error.message).toContain('sent a zstd-encoded answer');
  });
});
