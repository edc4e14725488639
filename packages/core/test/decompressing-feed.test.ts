import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DecompressingFeed, type FeedFlow } from '../src/transport/decompressing-feed.js';

/** A flow that records what the feed asked of the request. */
function recordingFlow() {
  const asked: string[] = [];
  const flow: FeedFlow = {
    pause: () => asked.push('pause'),
    resume: () => asked.push('resume'),
    abort: (reason) => asked.push(`abort: ${reason.message}`),
  };
  return { flow, asked };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Reads the body to its end, a tick between reads (a slow reader); the largest single read and the total. */
async function readSlowly(feed: DecompressingFeed): Promise<{ largest: number; total: number }> {
  let largest = 0;
  let total = 0;
  for (;;) {
    const chunk = feed.body.read();
    if (chunk === null) return { largest, total };
    if (chunk === undefined) await feed.body.more();
    else {
      largest = Math.max(largest, chunk.length);
      total += chunk.length;
      await tick();
    }
  }
}

describe('DecompressingFeed', () => {
  it('hands out a bomb a few buffers at a time to a slow reader, and pauses the request while zlib is full', async () => {
    const { flow, asked } = recordingFlow();
    const feed = new DecompressingFeed(flow, 'gzip', 'up');
    // 32 MiB of zeros in ~32 KB: every compressed byte given at once.
    const member = gzipSync(Buffer.alloc(1024 * 1024));
    feed.push(Buffer.concat(Array.from({ length: 32 }, () => member)));
    feed.end();
    // Left unread a while: without backpressure zlib inflates it all into the body (and
    // ends it) meanwhile; with it, the body holds its high-water mark's worth, however long.
    const closed = new Promise<void>((resolve) => feed.body.onClose(resolve));
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 300))]);
    expect(feed.body.closed).toBe(false);
    const { largest, total } = await readSlowly(feed);
    expect(total).toBe(32 * 1024 * 1024);
    // The body's high-water mark (64 KiB) and a zlib chunk or two past it, never the whole.
    expect(largest).toBeLessThanOrEqual(128 * 1024);
    expect(asked[0]).toBe('pause');
  });

  it('a corrupt body fails with a 502 naming the coding, and cuts the request', async () => {
    const { flow, asked } = recordingFlow();
    const feed = new DecompressingFeed(flow, 'br', 'up');
    feed.push(Buffer.from('plain text, not brotli'));
    await feed.body.more();
    expect(() => feed.body.read()).toThrow(expect.objectContaining({ code: 'upstream_invalid_response', message: expect.stringContaining('The up upstream sent a br-encoded answer that could not be decompressed') }));
    expect(asked.some((entry) => entry.startsWith('abort: The up upstream sent a br-encoded answer'))).toBe(true);
  });

  it('a gzip body cut short before its end fails once the upstream ends', async () => {
    const { flow } = recordingFlow();
    const feed = new DecompressingFeed(flow, 'gzip', 'up');
    const whole = gzipSync(Buffer.from('data: {"a":1}\n\n'.repeat(100)));
    feed.push(whole.subarray(0, whole.length - 8));
    feed.end();
    await expect(readSlowly(feed)).rejects.toMatchObject({ code: 'upstream_invalid_response' });
  });

  it('a reader that stops destroys zlib and cuts the request', async () => {
    const { flow, asked } = recordingFlow();
    const feed = new DecompressingFeed(flow, 'deflate', 'up');
    feed.body.destroy(new Error('client gone'));
    expect(asked).toEqual(['abort: client gone']);
    feed.push(Buffer.from('more'));
    expect(() => feed.body.read()).toThrow('client gone');
  });

  it.each([
    ['zlib-wrapped', deflateSync],
    ['raw', deflateRawSync],
  ] as const)('deflate, %s (as some servers send it), is read', async (_kind, deflate) => {
    const { flow } = recordingFlow();
    const feed = new DecompressingFeed(flow, 'deflate', 'up');
    const text = 'data: {"a":1}\n\n'.repeat(50);
    feed.push(deflate(Buffer.from(text)));
    feed.end();
    const chunks: Buffer[] = [];
    for (let chunk = feed.body.read(); chunk !== null; chunk = feed.body.read()) {
      if (chunk === undefined) await feed.body.more();
      else chunks.push(chunk);
    }
    expect(Buffer.concat(chunks).toString()).toBe(text);
  });

  it('no byte at all under a coding is an empty body', async () => {
    const { flow } = recordingFlow();
    const feed = new DecompressingFeed(flow, 'gzip', 'up');
    feed.end();
    expect(feed.body.read()).toBeNull();
  });
});
