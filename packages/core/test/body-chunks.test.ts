import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyChunks } from '../src/transport/body-chunks.js';

/** Everything the body gives, read as UpstreamPartStream reads it: `read()`, and `more()` when it cannot tell. */
async function readAll(chunks: BodyChunks): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const chunk = chunks.read();
    if (chunk === null) return seen;
    if (chunk === undefined) await chunks.more();
    else seen.push(chunk.toString());
  }
}

describe('BodyChunks', () => {
  it('hands out chunks as they arrive, then null at the end', async () => {
    const body = new PassThrough();
    const chunks = new BodyChunks(body);
    expect(chunks.read()).toBeUndefined();
    const all = readAll(chunks);
    body.write('one');
    await new Promise((resolve) => setImmediate(resolve));
    body.write('two');
    body.end();
    expect((await all).join('')).toBe('onetwo');
    expect(chunks.read()).toBeNull();
  });

  it('reads what the body already holds without waiting', () => {
    const body = new PassThrough();
    body.write('held');
    const chunks = new BodyChunks(body);
    expect(chunks.read()?.toString()).toBe('held');
  });

  it('throws the error the body failed with', async () => {
    const body = new PassThrough();
    const chunks = new BodyChunks(body);
    const all = readAll(chunks);
    body.write('partial');
    body.destroy(new Error('socket hang up'));
    await expect(all).rejects.toThrow('socket hang up');
  });

  it('treats a body destroyed before its end as cut short', async () => {
    const body = new PassThrough();
    const chunks = new BodyChunks(body);
    const all = readAll(chunks);
    body.destroy();
    await expect(all).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('knows a body that had already failed or ended before it was made', async () => {
    const failed = new PassThrough();
    failed.on('error', () => {});
    failed.destroy(new Error('gone'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(() => new BodyChunks(failed).read()).toThrow('gone');

    const ended = Readable.from([]);
    ended.resume();
    await new Promise((resolve) => ended.once('end', resolve));
    expect(new BodyChunks(ended).read()).toBeNull();
  });
});
