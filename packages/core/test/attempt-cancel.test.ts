import { describe, expect, it } from 'vitest';
import { AttemptCancel } from '../src/index.js';
import { callCancellation, cancellationOf } from '../src/transport/attempt-cancel.js';

describe('AttemptCancel', () => {
  it('calls each listener once, with the first reason kept', () => {
    const cancel = new AttemptCancel();
    const heard: unknown[] = [];
    const listener = () => heard.push(cancel.reason);
    cancel.addEventListener('abort', listener);
    cancel.addEventListener('abort', listener);
    cancel.abort('timeout');
    cancel.abort('client left');
    expect(cancel.aborted).toBe(true);
    expect(heard).toEqual(['timeout']);
  });

  it('does not call a removed listener, nor one added after the abort', () => {
    const cancel = new AttemptCancel();
    let calls = 0;
    const listener = () => calls++;
    cancel.addEventListener('abort', listener);
    cancel.removeEventListener('abort', listener);
    cancel.abort('timeout');
    cancel.addEventListener('abort', listener);
    expect(calls).toBe(0);
  });

  it('offers a real AbortSignal, aborted with it whether it was made before or after', () => {
    const early = new AttemptCancel();
    const signal = early.signal;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal.aborted).toBe(false);
    early.abort('timeout');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('timeout');

    const late = new AttemptCancel();
    late.abort('client left');
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe('client left');
    expect(late.signal).toBe(late.signal);
  });

  it('calls the other listeners when one throws, and the caller goes on', async () => {
    const cancel = new AttemptCancel();
    let heard = false;
    cancel.addEventListener('abort', () => {
      throw new Error('listener failed');
    });
    cancel.addEventListener('abort', () => (heard = true));
    const uncaught = new Promise<Error>((resolve) => process.once('uncaughtException', resolve));
    expect(() => cancel.abort('timeout')).not.toThrow();
    expect(heard).toBe(true);
    expect((await uncaught).message).toBe('listener failed');
  });
});

describe('cancellationOf', () => {
  it("is the core's handle on a call that carries one, else the call's signal", () => {
    const cancel = new AttemptCancel();
    const signal = new AbortController().signal;
    // As the core makes it: a ProviderCall with the handle under the symbol its type does not name.
    const call = { signal, [callCancellation]: cancel };
    expect(cancellationOf(call)).toBe(cancel);
    expect(cancellationOf({ ...call })).toBe(cancel);
    expect(cancellationOf({ signal })).toBe(signal);
  });
});
