import { describe, expect, it } from 'vitest';
import {
  AttemptCancel,
  createLogger,
  providerDispatch,
  type ChatResponse,
  type GatewayRuntime,
  type Provider,
  type ProviderCall,
  type RequestContext,
} from '../src/index.js';

const answer: ChatResponse = { id: 'x', model: 'm', created: 0, content: [], finishReason: { unified: 'stop' }, usage: { inputTokens: 1, outputTokens: 1 } };

/** A provider plugin that keeps the call it was handed, as a plugin reading `call.signal` itself would. */
function recordingProvider(calls: Array<ProviderCall<unknown>>): Provider {
  return {
    id: 'direct',
    plugin: 'direct',
    chat: {
      complete: async (call) => {
        calls.push(call);
        return answer;
      },
      stream: () => Promise.reject(new Error('not used')),
    },
  } as Provider;
}

function contextFor(signal: AbortSignal): RequestContext {
  return {
    endpoint: 'chat',
    chatRequest: { model: 'direct/m', messages: [{ role: 'user', content: 'hi' }] },
    attempts: [],
    signal,
    logger: createLogger({ level: 'silent' }),
  } as unknown as RequestContext;
}

describe("a provider plugin's call.signal", () => {
  it("is a real AbortSignal aborted with the attempt's cancellation, before or after it was read", async () => {
    const calls: Array<ProviderCall<unknown>> = [];
    const runtime = { providers: new Map([['direct', recordingProvider(calls)]]) } as unknown as GatewayRuntime;
    const dispatch = providerDispatch(runtime, contextFor(new AbortController().signal));

    const readFirst = new AttemptCancel();
    await dispatch({ provider: 'direct', model: 'm' }, readFirst);
    const signal = calls[0]!.signal;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal.aborted).toBe(false);
    readFirst.abort('attempt timed out');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('attempt timed out');

    const abortedFirst = new AttemptCancel();
    await dispatch({ provider: 'direct', model: 'm' }, abortedFirst);
    abortedFirst.abort('client left');
    const copy = { ...calls[1]! };
    expect(copy.signal.aborted).toBe(true);
    expect(copy.signal.reason).toBe('client left');
  });

  it("is the options' signal, or the request's, when the attempt has no AttemptCancel", async () => {
    const calls: Array<ProviderCall<unknown>> = [];
    const runtime = { providers: new Map([['direct', recordingProvider(calls)]]) } as unknown as GatewayRuntime;
    const requestSignal = new AbortController().signal;
    const attemptSignal = new AbortController().signal;
    const dispatch = providerDispatch(runtime, contextFor(requestSignal));
    await dispatch({ provider: 'direct', model: 'm' }, { signal: attemptSignal });
    await dispatch({ provider: 'direct', model: 'm' });
    expect(calls.map((call) => call.signal)).toEqual([attemptSignal, requestSignal]);
  });

  it('is carried, with the logger, by a spread of the call, which keeps the plain fields and nothing internal', async () => {
    const calls: Array<ProviderCall<unknown>> = [];
    const runtime = { providers: new Map([['direct', recordingProvider(calls)]]) } as unknown as GatewayRuntime;
    const context = contextFor(new AbortController().signal);
    const dispatch = providerDispatch(runtime, context);
    const cancel = new AttemptCancel();
    await dispatch({ provider: 'direct', model: 'm' }, cancel);
    await dispatch({ provider: 'direct', model: 'm' }, new AttemptCancel());

    const call = calls[0]!;
    const copy = { ...call, request: 'changed' };
    expect(copy.logger).toBe(context.logger);
    expect(copy.signal).toBe(call.signal);
    expect(copy.model).toBe('m');
    expect(Object.keys(copy).sort()).toEqual(['logger', 'model', 'request', 'signal']);
    // Each call reads its own attempt, though the getters are shared by every call.
    cancel.abort('first only');
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(calls[1]!.signal.aborted).toBe(false);
  });
});
