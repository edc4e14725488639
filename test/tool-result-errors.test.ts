import Anthropic from '@anthropic-ai/sdk';
import type { MockUpstream } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { providerMocks } from './support/provider-mocks.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// A tool that failed, as an Anthropic client (Claude Code) reports it: `is_error: true` on its tool_result.
const targets = ['anthropic', 'bedrock'] as const;
const upstreams = {} as Record<(typeof targets)[number], MockUpstream<string>>;
let gateway: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  for (const name of targets) upstreams[name] = await providerMocks[name].start();
  // fast_path off: the Anthropic target is reached by the translated path, as with the response cache on.
  gateway = await startTestGateway({
    server: { fast_path: false },
    providers: Object.fromEntries(targets.map((name) => [name, providerMocks[name].options(upstreams[name].url)])),
  });
  client = new Anthropic({ apiKey: masterKey, baseURL: gateway.origin, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  for (const name of targets) await upstreams[name].close();
});
beforeEach(() => {
  for (const name of targets) upstreams[name].reset();
});

const tool = { name: 'read_file', input_schema: { type: 'object' as const, properties: { path: { type: 'string' } } } };
const history = (isError: boolean | undefined): Anthropic.MessageParam[] => [
  { role: 'user', content: 'Read a.txt and b.txt' },
  {
    role: 'assistant',
    content: [
      { type: 'tool_use', id: 'toolu_a', name: 'read_file', input: { path: 'a.txt' } },
      { type: 'tool_use', id: 'toolu_b', name: 'read_file', input: { path: 'b.txt' } },
    ],
  },
  {
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'toolu_a', content: 'ENOENT: no such file', ...(isError !== undefined && { is_error: isError }) },
      { type: 'tool_result', tool_use_id: 'toolu_b', content: 'hello' },
    ],
  },
];

function sentBody(name: (typeof targets)[number]): Record<string, any> {
  return upstreams[name].requests.at(-1)!.body as Record<string, any>;
}

describe('a tool_result marked is_error, on the translated path', () => {
  it('reaches Anthropic with is_error: true on that result alone', async () => {
    await client.messages.create({ model: `anthropic/${providerMocks.anthropic.model}`, max_tokens: 50, tools: [tool], messages: history(true) });
    const results = sentBody('anthropic')['messages'][2].content;
    expect(results[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_a', is_error: true });
    expect(results[1]).not.toHaveProperty('is_error');
  });

  it('reaches Bedrock as a toolResult of status error, the other success', async () => {
    await client.messages.create({ model: `bedrock/${providerMocks.bedrock.model}`, max_tokens: 50, tools: [tool], messages: history(true) });
    const results = sentBody('bedrock')['messages'][2].content.map((block: { toolResult: { status: string } }) => block.toolResult.status);
    expect(results).toEqual(['error', 'success']);
  });

  it('is left out when the client sent is_error false or none', async () => {
    for (const isError of [false, undefined]) {
      await client.messages.create({ model: `anthropic/${providerMocks.anthropic.model}`, max_tokens: 50, tools: [tool], messages: history(isError) });
      expect(sentBody('anthropic')['messages'][2].content[0]).not.toHaveProperty('is_error');
    }
  });
});
