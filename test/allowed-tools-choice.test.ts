import OpenAI from 'openai';
import type { MockUpstream } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { providerMocks } from './support/provider-mocks.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// OpenAI's `allowed_tools` tool choice (Chat: { type, allowed_tools: { mode, tools } }; Responses: { type, mode, tools }):
// the model may call only the tools listed, of all those offered. Translated, the offered tools are cut to those.
let openai: MockUpstream<string>;
let anthropic: MockUpstream<string>;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  openai = await providerMocks.openai.start();
  anthropic = await providerMocks.anthropic.start();
  gateway = await startTestGateway({
    providers: { openai: providerMocks.openai.options(openai.url), anthropic: providerMocks.anthropic.options(anthropic.url) },
  });
  client = new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await openai.close();
  await anthropic.close();
});
beforeEach(() => {
  openai.reset();
  anthropic.reset();
});

const parameters = { type: 'object', properties: { city: { type: 'string' } } };
const chatTools: OpenAI.Chat.Completions.ChatCompletionTool[] = ['get_weather', 'get_time', 'get_news'].map((name) => ({ type: 'function', function: { name, parameters } }));
const chatChoice = (mode: 'auto' | 'required', names: string[]) =>
  ({ type: 'allowed_tools', allowed_tools: { mode, tools: names.map((name) => ({ type: 'function', function: { name } })) } }) as const;
const claude = `anthropic/${providerMocks.anthropic.model}`;
const sent = (upstream: MockUpstream<string>) => upstream.requests.at(-1)!.body as Record<string, any>;

describe('allowed_tools on /v1/chat/completions', () => {
  it('translated: offers only the allowed tools, with the mode as the choice', async () => {
    await client.chat.completions.create({ model: claude, messages: [{ role: 'user', content: 'hi' }], tools: chatTools, tool_choice: chatChoice('required', ['get_news', 'get_weather']) });
    expect(sent(anthropic)['tools'].map((tool: { name: string }) => tool.name)).toEqual(['get_weather', 'get_news']);
    expect(sent(anthropic)['tool_choice']).toEqual({ type: 'any' });
    await client.chat.completions.create({ model: claude, messages: [{ role: 'user', content: 'hi' }], tools: chatTools, tool_choice: chatChoice('auto', ['get_time']) });
    expect(sent(anthropic)['tools'].map((tool: { name: string }) => tool.name)).toEqual(['get_time']);
    expect(sent(anthropic)['tool_choice']).toEqual({ type: 'auto' });
  });

  it('fast path: goes to OpenAI as written', async () => {
    const choice = chatChoice('required', ['get_time']);
    await client.chat.completions.create({ model: `openai/${providerMocks.openai.model}`, messages: [{ role: 'user', content: 'hi' }], tools: chatTools, tool_choice: choice });
    expect(sent(openai)['tool_choice']).toEqual(choice);
    expect(sent(openai)['tools']).toHaveLength(3);
  });

  it('refuses a tool not offered in tools, naming it', async () => {
    const refused = await client.chat.completions
      .create({ model: claude, messages: [{ role: 'user', content: 'hi' }], tools: chatTools, tool_choice: chatChoice('auto', ['get_time', 'nope']) })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 400, param: 'tool_choice.allowed_tools.tools[1].function.name' });
    expect(anthropic.requests).toHaveLength(0);
  });
});

describe('allowed_tools on /v1/responses', () => {
  const tools: OpenAI.Responses.FunctionTool[] = ['get_weather', 'get_time'].map((name) => ({ type: 'function', name, parameters, strict: false }));

  it('translated: offers only the allowed tools, with the mode as the choice', async () => {
    await client.responses.create({ model: claude, input: 'hi', tools, tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'get_time' }] } });
    expect(sent(anthropic)['tools'].map((tool: { name: string }) => tool.name)).toEqual(['get_time']);
    expect(sent(anthropic)['tool_choice']).toEqual({ type: 'any' });
  });

  it('refuses a function not offered in tools, naming it', async () => {
    const refused = await client.responses
      .create({ model: claude, input: 'hi', tools, tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'nope' }] } })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 400, param: 'tool_choice.tools[0].name' });
  });
});
