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

const answer: ChatResponse = { id: 'x', model: 'm', created: 0, content: [], finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } };

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
});
