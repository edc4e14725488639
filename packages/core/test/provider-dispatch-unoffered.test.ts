import { describe, expect, it } from 'vitest';
import { createLogger, providerDispatch, type GatewayRuntime, type Provider, type RequestContext } from '../src/index.js';

/**
 * Without a route plan (a chain without the route step, the embedded API), core's own dispatch
 * calls the deployment. One whose provider does not offer the request's operation is refused
 * with the 400 `unsupported_operation`, as the route plan does, and is no attempt: nothing was
 * sent, so nothing is recorded, billed or timed.
 */
const chatOnly = { id: 'talker', plugin: 'talker', chat: { complete: () => Promise.reject(new Error('not used')), stream: () => Promise.reject(new Error('not used')) } };
const embeddingsOnly = { id: 'vectors', plugin: 'vectors', embeddings: { embed: () => Promise.reject(new Error('not used')) } };
const runtime = {
  providers: new Map<string, Provider>([
    ['talker', chatOnly as unknown as Provider],
    ['vectors', embeddingsOnly as unknown as Provider],
  ]),
} as unknown as GatewayRuntime;

function contextFor(endpoint: 'chat' | 'embeddings'): RequestContext {
  return {
    endpoint,
    ...(endpoint === 'chat'
      ? { chatRequest: { model: 'vectors/embed-1', messages: [{ role: 'user', content: 'hi' }] } }
      : { embeddingsRequest: { model: 'talker/chat-1', input: ['hi'] } }),
    attempts: [],
    signal: new AbortController().signal,
    logger: createLogger({ level: 'silent' }),
  } as unknown as RequestContext;
}

describe('core dispatch of a deployment whose provider does not offer the operation', () => {
  it('refuses embeddings asked of a chat-only provider with unsupported_operation, recording no attempt', async () => {
    const context = contextFor('embeddings');
    await expect(providerDispatch(runtime, context)({ provider: 'talker', model: 'chat-1' })).rejects.toMatchObject({
      code: 'unsupported_operation',
      status: 400,
      param: 'model',
    });
    expect(context.attempts).toEqual([]);
    expect(context.servedBy).toBeUndefined();
  });

  it('refuses chat asked of an embeddings-only provider likewise', async () => {
    const context = contextFor('chat');
    await expect(providerDispatch(runtime, context)({ provider: 'vectors', model: 'embed-1' })).rejects.toMatchObject({ code: 'unsupported_operation' });
    expect(context.attempts).toEqual([]);
  });
});

describe('core dispatch of a deployment whose provider is not configured', () => {
  it("names the provider through the model-name redactor: a client's credential-shaped name is not echoed", async () => {
    const credential = 'sk-proj-Zq8v3LmN7xK2pW9rT4yB6cD1';
    const context = contextFor('chat');
    const refusal = (await providerDispatch(runtime, context)({ provider: credential, model: 'gpt-4o' }).catch((error: unknown) => error)) as Error;
    expect(refusal).toMatchObject({ code: 'model_not_found', status: 404 });
    expect(refusal.message).not.toContain(credential);
    expect(context.attempts).toEqual([]);
  });
});
