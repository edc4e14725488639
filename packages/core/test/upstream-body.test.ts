import { describe, expect, it } from 'vitest';
import { prematureClose, UpstreamBody, type BodyFlow } from '../src/transport/upstream-body.js';

/** A body with a flow that records what the body asked of the request. */
function fedBody() {
  const asked: string[] = [];
  const flow: BodyFlow = {
    pause: () => asked.push('pause'),
    resume: () => asked.push('resume'),
    abort: (reason) => asked.push(`abort: ${reason.message}`),
  };
  return { body: new UpstreamBody(flow), asked };
}

/** Everything the body gives, read as the transport's readers read it: `read()`, and `more()` when it cannot tell. */
async function readAll(body: UpstreamBody): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const chunk = body.read();
    if (chunk === null) return seen;
    if (chunk === undefined) await body.more();
    else seen.push(chunk.toString());
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('UpstreamBody', () => {
  it('hands out chunks as they arrive, then null at the end', async () => {
    const { body } = fedBody();
    expect(body.read()).toBeUndefined();
    const all = readAll(body);
    body.push(Buffer.from('one'));
    await tick();
    body.push(Buffer.from('two'));
    body.end();
    expect(await all).toEqual(['one', 'two']);
    expect(body.read()).toBeNull();
    expect(body.closed).toBe(true);
  });

  it('hands out what arrived together as one Buffer, as a Readable does', async () => {
    const { body } = fedBody();
    body.push(Buffer.from('data: a\n\n'));
    body.push(Buffer.from('data: b\n\n'));
    body.push(Buffer.from('data: c\n\n'));
    expect(body.read()?.toString()).toBe('data: a\n\ndata: b\n\ndata: c\n\n');
    expect(body.read()).toBeUndefined();
    body.push(Buffer.from('data: d\n\n'));
    body.end();
    expect(await readAll(body)).toEqual(['data: d\n\n']);
  });

  it('reads what has arrived without waiting, and `more()` settles at once when something is there', async () => {
    const { body } = fedBody();
    body.push(Buffer.from('held'));
    await body.more();
    expect(body.read()?.toString()).toBe('held');
    body.end();
    await body.more();
    expect(body.read()).toBeNull();
  });

  it('gives the chunks that arrived before a failure first, then throws the failure', async () => {
    const { body } = fedBody();
    body.push(Buffer.from('partial'));
    body.fail(new Error('other side closed'));
    expect(body.read()?.toString()).toBe('partial');
    expect(() => body.read()).toThrow('other side closed');
    const waiting = fedBody();
    const all = readAll(waiting.body);
    waiting.body.fail(new Error('socket hang up'));
    await expect(all).rejects.toThrow('socket hang up');
  });

  it('a reader that stops drops what is left and cuts the request, once; reading again is a premature close', () => {
    const { body, asked } = fedBody();
    body.push(Buffer.from('unread'));
    body.destroy();
    body.destroy(new Error('again'));
    expect(asked).toEqual(['abort: Premature close']);
    expect(() => body.read()).toThrow(expect.objectContaining({ code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    // Chunks or an end arriving after the cut change nothing.
    body.push(Buffer.from('late'));
    body.end();
    expect(() => body.read()).toThrow('Premature close');

    const cut = fedBody();
    cut.body.destroy(new Error('too large'));
    expect(cut.asked).toEqual(['abort: too large']);
    expect(() => cut.body.read()).toThrow('too large');
  });

  it('does not cut a request whose answer is over', () => {
    const { body, asked } = fedBody();
    body.push(Buffer.from('all'));
    body.end();
    body.destroy();
    expect(asked).toEqual([]);
    const failed = fedBody();
    failed.body.fail(new Error('gone'));
    failed.body.destroy();
    expect(failed.asked).toEqual([]);
  });

  it('pauses the upstream past 64 KiB unread and resumes it once everything is read', () => {
    const { body, asked } = fedBody();
    const kib = Buffer.alloc(1024, 'x');
    for (let i = 0; i < 63; i++) body.push(kib);
    expect(asked).toEqual([]);
    body.push(kib);
    body.push(kib);
    expect(asked).toEqual(['pause']);
    expect(body.read()?.length).toBe(65 * 1024);
    expect(asked).toEqual(['pause', 'resume']);
    expect(body.read()).toBeUndefined();
    // Under the mark again: no second pause until it is reached again.
    body.push(kib);
    expect(asked).toEqual(['pause', 'resume']);
  });

  it('tells its close listener once, however the answer ends, and at once when it already has', () => {
    for (const close of [(b: UpstreamBody) => b.end(), (b: UpstreamBody) => b.fail(new Error('x')), (b: UpstreamBody) => b.destroy()]) {
      const { body } = fedBody();
      let told = 0;
      body.onClose(() => told++);
      close(body);
      body.end();
      body.destroy();
      expect(told).toBe(1);
      body.onClose(() => told++);
      expect(told).toBe(2);
    }
  });

  it('says a premature close the way Node streams do', () => {
    expect(prematureClose()).toMatchObject({ message: 'Premature close', code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });
});
