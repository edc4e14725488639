import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInDialect } from './support/call-in-dialect.js';
import { startLoopbackUpstream, type LoopbackUpstream } from './support/loopback-upstream.js';
import { onceConfigUnderPrefixes } from './support/providers-under-prefixes.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A translated stream names its answer once (Anthropic's message_start, Gemini's first
 * event) and a chat completion stream repeats that id and model in every chunk. An
 * upstream naming it with 100,000 characters each made every one-token chunk the
 * client got 200 KB: 236 KB from the upstream became 60 MB to the client (and to the
 * gateway's write buffer for a slow one), past any bound on what the upstream may
 * send. A name past 256 characters is not taken: the gateway names the stream itself.
 */

const long = 'n'.repeat(100_000);
const deltas = 300;
let streamFor: (provider: 'anthropic' | 'gemini') => string;

function anthropicStream(id: string, model: string): string {
  let out = `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } })}\n\n`;
  out += 'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n';
  for (let index = 0; index < deltas; index++) out += `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"t${index} "}}\n\n`;
  out += 'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n';
  out += `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":${deltas}}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n`;
  return out;
}

function geminiStream(id: string, model: string): string {
  let out = `data: ${JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text: 't0 ' }] }, index: 0 }], modelVersion: model, responseId: id })}\n\n`;
  for (let index = 1; index < deltas; index++) out += `data: {"candidates":[{"content":{"role":"model","parts":[{"text":"t${index} "}]},"index":0}]}\n\n`;
  out += `data: {"candidates":[{"content":{"role":"model","parts":[{"text":""}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":${deltas},"totalTokenCount":${deltas + 5}}}\n\n`;
  return out;
}

let upstream: LoopbackUpstream;
let gateway: TestGateway;
beforeAll(async () => {
  upstream = await startLoopbackUpstream((req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(streamFor(req.url?.includes('/gemini/') ? 'gemini' : 'anthropic'));
  });
  gateway = await startTestGateway(onceConfigUnderPrefixes(upstream.origin, { anthropic: 'anthropic/claude-sonnet-4-5', gemini: 'gemini/gemini-2.5-flash' }));
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

async function chunksOf(provider: 'anthropic' | 'gemini'): Promise<Array<{ id: string; model: string; choices: Array<{ delta: { content?: string } }> }>> {
  const response = await callInDialect(gateway, 'chat', { model: `${provider}-once`, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  expect(response.status).toBe(200);
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: {'))
    .map((block) => JSON.parse(block.slice('data: '.length)));
}

const upstreams = { anthropic: anthropicStream, gemini: geminiStream };

describe('a streamed answer named with a huge id and model', () => {
  it.each(['anthropic', 'gemini'] as const)('%s: the chunks carry a name of the gateway\'s, not 100,000 characters each; the text is whole', async (provider) => {
    streamFor = (which) => upstreams[which](long, long);
    const chunks = await chunksOf(provider);
    expect(chunks.length).toBeGreaterThanOrEqual(deltas);
    for (const chunk of chunks) {
      expect(chunk.id.length).toBeLessThanOrEqual(300);
      expect(chunk.model.length).toBeLessThanOrEqual(300);
      expect(chunk.model).toContain(`${provider}/`);
    }
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(Array.from({ length: deltas }, (_, index) => `t${index} `).join(''));
  });

  it.each(['anthropic', 'gemini'] as const)('%s: a name of ordinary length is passed on as it came', async (provider) => {
    const model = provider === 'anthropic' ? 'claude-sonnet-4-5-20250929' : 'gemini-2.5-flash-preview-09-2025';
    streamFor = (which) => upstreams[which]('msg_01Vb6sN2qT9wK4xR7mP3LcZ8', model);
    const chunks = await chunksOf(provider);
    expect(chunks[0]!.model).toBe(`${provider}/${model}`);
    if (provider === 'anthropic') expect(chunks[0]!.id).toBe('msg_01Vb6sN2qT9wK4xR7mP3LcZ8');
  });
});
