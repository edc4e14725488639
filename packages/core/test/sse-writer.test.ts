import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../src/errors/gateway-error.js';
import { SseWriter } from '../src/http/sse-writer.js';
import type { Logger } from '../src/logging/create-logger.js';

/** A response that records its writes; `full` makes write() report a full socket, as Node does to a slow client. */
class RecordingResponse extends EventEmitter {
  writes: string[] = [];
  ended: string | undefined;
  status: number | undefined;
  head: string[] = [];
  full = false;
  writableLength = 0;
  writableHighWaterMark = 16384;
  writableEnded = false;
  writableFinished = false;
  destroyed = false;

  writeHead(status: number, head: string[]): this {
    this.status = status;
    this.head = head;
    return this;
  }

  write(text: string): boolean {
    this.writes.push(text);
    return !this.full;
  }

  end(text: string): this {
    this.ended = text;
    this.writableEnded = true;
    this.writableFinished = true;
    return this;
  }

  destroy(): this {
    this.destroyed = true;
    this.emit('close');
    return this;
  }
}

function writerFor(cutOffAfterMs?: number) {
  const res = new RecordingResponse();
  return { res, sse: new SseWriter(res as unknown as Response, cutOffAfterMs) };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('SseWriter', () => {
  it('writes the events sent in one turn of the event loop as one write, named ones with their event line', async () => {
    const { res, sse } = writerFor();
    sse.send('{"a":1}');
    sse.send('{"b":2}', 'delta');
    expect(res.writes).toEqual([]);
    await nextTurn();
    expect(res.writes).toEqual(['data: {"a":1}\n\nevent: delta\ndata: {"b":2}\n\n']);
    sse.send('{"c":3}');
    await nextTurn();
    expect(res.writes).toHaveLength(2);
    expect(res.writes[1]).toBe('data: {"c":3}\n\n');
    expect(res.status).toBe(200);
    expect(res.head).toContain('text/event-stream; charset=utf-8');
  });

  it('ends with the events still queued, then its closing line', async () => {
    const done = writerFor();
    done.sse.send('{}');
    done.sse.done();
    expect(done.res.ended).toBe('data: {}\n\ndata: [DONE]\n\n');
    await nextTurn();
    expect(done.res.writes).toEqual([]);

    const failed = writerFor();
    failed.sse.send('{}', 'ping');
    failed.sse.fail(new GatewayError('upstream_invalid_response', 'broke off'));
    expect(failed.res.ended).toMatch(/^event: ping\ndata: \{\}\n\ndata: \{"error":\{.*"code":"upstream_invalid_response"/);

    const closed = writerFor();
    closed.sse.close();
    expect(closed.res.ended).toBe('');
  });

  it('returns a promise while the client is behind, settled when the response drains', async () => {
    const { res, sse } = writerFor();
    res.full = true;
    expect(sse.send('one')).toBeUndefined();
    await nextTurn();
    const behind = sse.send('two');
    expect(behind).toBeInstanceOf(Promise);
    res.full = false;
    res.emit('drain');
    await behind;
    expect(sse.send('three')).toBeUndefined();
    expect(res.listenerCount('drain')).toBe(0);
    expect(res.listenerCount('close')).toBe(0);
  });

  it('sends nothing once the response is over', async () => {
    const { res, sse } = writerFor();
    sse.done();
    expect(sse.send('late')).toBeUndefined();
    await nextTurn();
    expect(res.writes).toEqual([]);
  });

  it('destroys a stream not finished by its cut-off, and leaves a finished one alone', () => {
    vi.useFakeTimers();
    const stuck = writerFor(1000);
    stuck.sse.start();
    vi.advanceTimersByTime(999);
    expect(stuck.res.destroyed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(stuck.res.destroyed).toBe(true);

    const finished = writerFor(1000);
    finished.sse.start();
    finished.sse.done();
    vi.advanceTimersByTime(1000);
    expect(finished.res.destroyed).toBe(false);
  });

  it('destroys a stream whose client takes nothing for the stall time, logging one warn line; a drain in time disarms it', async () => {
    vi.useFakeTimers();
    const warnings: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger;

    const stalled = new RecordingResponse();
    const stalledWriter = new SseWriter(stalled as unknown as Response, undefined, 300, logger);
    stalled.full = true;
    stalledWriter.send('one');
    vi.advanceTimersToNextTimer(); // the flush: write() says the socket is full
    const behind = stalledWriter.send('two');
    expect(behind).toBeInstanceOf(Promise);
    vi.advanceTimersByTime(299);
    expect(stalled.destroyed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(stalled.destroyed).toBe(true);
    await behind; // the wait ends with the connection
    expect(warnings).toHaveLength(1);
    expect(stalled.listenerCount('drain')).toBe(0);

    const slow = new RecordingResponse();
    const slowWriter = new SseWriter(slow as unknown as Response, undefined, 300, logger);
    slow.full = true;
    slowWriter.send('one');
    vi.advanceTimersToNextTimer();
    vi.advanceTimersByTime(299);
    slow.emit('drain');
    vi.advanceTimersByTime(10_000);
    expect(slow.destroyed).toBe(false);
    expect(warnings).toHaveLength(1);
  });

  it('destroys a stream whose last bytes the client never takes, once they outgrow the socket', () => {
    vi.useFakeTimers();
    const res = new RecordingResponse();
    const sse = new SseWriter(res as unknown as Response, undefined, 300);
    sse.send('one');
    res.writableLength = 20_000; // what end() left in the socket: past its high-water mark
    res.writableFinished = false;
    res.end = (text: string) => {
      res.ended = text;
      res.writableEnded = true;
      return res;
    };
    sse.done();
    vi.advanceTimersByTime(299);
    expect(res.destroyed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(res.destroyed).toBe(true);
  });

  it('destroys a stream whose last few KiB the client never takes, below the socket\'s high-water mark', () => {
    // Writes below the high-water mark report no backpressure: a stream to a client that stopped
    // reading can end with a little still queued, and no stall timer armed mid-stream.
    vi.useFakeTimers();
    const res = new RecordingResponse();
    const sse = new SseWriter(res as unknown as Response, undefined, 300);
    sse.send('one');
    res.writableLength = 2_000;
    res.end = (text: string) => {
      res.ended = text;
      res.writableEnded = true;
      return res; // not finished: the socket still holds the last bytes
    };
    sse.done();
    vi.advanceTimersByTime(299);
    expect(res.destroyed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(res.destroyed).toBe(true);
  });

  it('arms no timer while the client keeps up', async () => {
    vi.useFakeTimers();
    const res = new RecordingResponse();
    const sse = new SseWriter(res as unknown as Response, undefined, 300);
    sse.send('one');
    vi.advanceTimersToNextTimer();
    expect(res.writes).toEqual(['data: one\n\n']);
    expect(vi.getTimerCount()).toBe(0);
    sse.done();
    expect(vi.getTimerCount()).toBe(0);
  });
});
