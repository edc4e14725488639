import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// A body under the size limit holding a few hundred thousand items with one at fault
// used to be explained with every problem of every item (ajv's allErrors, each error
// with its schema): the embeddings body below held the event loop for ~20 s and grew
// the heap by ~2 GB, the chat ones for seconds, stalling every other caller. A client
// is told the first problem; finding it costs one pass that stops there.

/** Far beyond the ~0.2 s these take now; the old explanation took 2–20 s each, alone on the machine. */
const deadlineMs = 4000;

let gateway: TestGateway;
beforeAll(async () => {
  // Past the default limits.max_json_keys (50,000) the bodies of many objects below are refused
  // before they are parsed; raised here, so it is the validator's cost that is tested.
  gateway = await startTestGateway({ providers: { mock: { models: ['echo'] } }, limits: { max_json_keys: 1_000_000 } });
});
afterAll(async () => {
  await gateway.close();
});

async function post(route: string, text: string) {
  const started = performance.now();
  const response = await fetch(gateway.origin + route, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: text,
  });
  const body = (await response.json()) as Record<string, unknown> & { error: Record<string, unknown> };
  return { status: response.status, body, elapsedMs: performance.now() - started };
}

/** `count` copies of `item`, comma-separated: a JSON array's inside. */
const repeated = (item: string, count: number) => `${item},`.repeat(count).slice(0, -1);

describe('a refused body with very many items is refused in one cheap pass', () => {
  it('embeddings: 1.9 million token ids, then a string → 400 naming input', async () => {
    const answer = await post('/v1/embeddings', `{"model":"mock/embed","input":[${repeated('1', 1_900_000)},"x"]}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_request', param: 'input' });
    expect(answer.elapsedMs).toBeLessThan(deadlineMs);
  });

  it('chat: an assistant message with 400,000 malformed tool calls → 400 naming the first', async () => {
    const answer = await post('/v1/chat/completions', `{"model":"mock/echo","messages":[{"role":"assistant","tool_calls":[${repeated('{"id":1}', 400_000)}]}]}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_request', param: expect.stringMatching(/^messages\[0\]\.tool_calls\[0\]/) });
    expect(answer.elapsedMs).toBeLessThan(deadlineMs);
  });

  it('chat: 1.9 million stop sequences that are numbers → 400 naming stop', async () => {
    const answer = await post('/v1/chat/completions', `{"model":"mock/echo","messages":[{"role":"user","content":"hi"}],"stop":[${repeated('1', 1_900_000)}]}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_request', param: 'stop' });
    expect(answer.elapsedMs).toBeLessThan(deadlineMs);
  });

  it('messages: a user turn of 300,000 blocks of an unknown type → 400 in Anthropic shape', async () => {
    const answer = await post('/v1/messages', `{"model":"mock/echo","max_tokens":5,"messages":[{"role":"user","content":[${repeated('{"type":"x"}', 300_000)}]}]}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(answer.elapsedMs).toBeLessThan(deadlineMs);
  });

  it('the gateway still serves a plain request afterwards', async () => {
    const answer = await post('/v1/chat/completions', '{"model":"mock/echo","messages":[{"role":"user","content":"hi"}]}');
    expect(answer.status).toBe(200);
  });
});
