import { afterEach, describe, expect, it, vi } from 'vitest';
import { AttemptCancel, GatewayError, UpstreamTransport } from '../src/index.js';
import { DeadlineParts, DirectCallDeadline } from '../src/gateway/direct-call-deadline.js';

const never = new Promise<never>(() => undefined);
const timeouts = { headersMs: 1_000, bodyMs: 500 };

afterEach(() => {
  vi.useRealTimers();
});

describe('DirectCallDeadline', () => {
  it('ends the wait the moment the client leaves, with client_closed_request, and aborts the plugin', async () => {
    const client = new AbortController();
    const deadline = new DirectCallDeadline(client.signal, timeouts, 60_000, 'stuck');
    const call = deadline.callFor({ request: {}, model: 'm', signal: client.signal, logger: undefined as never });
    const waited = deadline.first(never);
    client.abort(new Error('socket closed'));
    await expect(waited).rejects.toMatchObject({ code: 'client_closed_request' });
    expect(call.signal.aborted).toBe(true);
  });

  it('keeps the reason the route step gave when it cancels the attempt', async () => {
    const cancel = new AttemptCancel();
    const deadline = new DirectCallDeadline(cancel, timeouts, 60_000, 'stuck');
    const waited = deadline.first(never);
    cancel.abort(new GatewayError('upstream_timeout', 'stuck/m did not answer within 50 ms.'));
    await expect(waited).rejects.toMatchObject({ code: 'upstream_timeout', message: 'stuck/m did not answer within 50 ms.' });
  });

  it('cuts a stream still sending at the duration bound with upstream_duration_exceeded, and lets the plugin go', async () => {
    vi.useFakeTimers();
    const returned = vi.fn();
    // A plugin sending a part every 400 ms: always within bodyMs, never finished.
    const endless: AsyncIterator<string> = {
      next: () => new Promise((resolve) => setTimeout(() => resolve({ value: 'part', done: false }), 400)),
      return: async () => {
        returned();
        return { value: undefined, done: true };
      },
    };
    const deadline = new DirectCallDeadline(new AbortController().signal, timeouts, 3_000, 'stuck');
    const parts = new DeadlineParts(endless, deadline);
    const read = (async () => {
      let count = 0;
      for await (const part of parts) if (part) count++;
      return count;
    })();
    const outcome = read.then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await outcome).toMatchObject({ code: 'upstream_duration_exceeded' });
    expect(returned).toHaveBeenCalledOnce();
  });

  it('drops an answer that comes after the deadline, and a late failure does not go unhandled', async () => {
    vi.useFakeTimers();
    let fail!: (error: Error) => void;
    const late = new Promise<string>((_resolve, reject) => (fail = reject));
    const deadline = new DirectCallDeadline(new AbortController().signal, timeouts, 60_000, 'stuck');
    const waited = deadline.first(late).then(
      () => 'answered',
      (error: GatewayError) => error.code,
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await waited).toBe('upstream_timeout');
    fail(new Error('late'));
    await vi.advanceTimersByTimeAsync(0);
  });
});

describe('the transport cut signal every direct call listens to', () => {
  it('takes a listener from each of many direct calls in flight without a MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const transport = new UpstreamTransport();
    try {
      const deadlines = Array.from({ length: 64 }, () => new DirectCallDeadline(new AbortController().signal, timeouts, 60_000, 'mock', transport.cutSignal));
      // Node emits the warning on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      for (const deadline of deadlines) deadline.end();
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await transport.close();
    }
  });
});
