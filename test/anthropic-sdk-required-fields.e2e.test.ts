import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { gatewayOverReplay } from './support/gateway-over-replay.js';
import { fixtureProviders, streamedFixtureAnswers, translatedFixtureConfig, wholeFixtureAnswers, type FixtureProvider } from './support/provider-fixture-answers.js';
import { anthropicMessagesTypes, missingFields } from './support/sdk-required-fields.js';
import { masterKey } from './support/start-test-gateway.js';

/**
 * What `/v1/messages` writes on the translated path, every object held against the
 * official SDK's types (the installed @anthropic-ai/sdk's own `.d.ts`): each field they
 * declare required is there, `null` where the gateway has nothing to say. Each provider
 * answers with its recorded bytes (the shared fixtures), Anthropic too, translated
 * (`server.fast_path: false`); whole answers, every streamed event, the SDK's stream
 * helper and error bodies alike.
 */

type Provider = FixtureProvider;
const rig = gatewayOverReplay(translatedFixtureConfig);
const whole = wholeFixtureAnswers;
const streams = streamedFixtureAnswers;
const providers = fixtureProviders;

const request = (provider: Provider, stream: boolean) => ({
  model: `${provider}-once`,
  max_tokens: 256,
  stream,
  tools: [{ name: 'get_weather', description: 'The weather in a city', input_schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } } } }],
  messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
});

async function post(body: unknown): Promise<Response> {
  return fetch(`${rig.gateway.origin}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': masterKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

type Json = Record<string, any>;

const blockTypes: Record<string, string> = { text: 'TextBlock', thinking: 'ThinkingBlock', redacted_thinking: 'RedactedThinkingBlock', tool_use: 'ToolUseBlock' };
const deltaTypes: Record<string, string> = { text_delta: 'TextDelta', input_json_delta: 'InputJSONDelta', thinking_delta: 'ThinkingDelta', signature_delta: 'SignatureDelta', citations_delta: 'CitationsDelta' };
const eventTypes: Record<string, string> = {
  message_start: 'RawMessageStartEvent',
  message_delta: 'RawMessageDeltaEvent',
  message_stop: 'RawMessageStopEvent',
  content_block_start: 'RawContentBlockStartEvent',
  content_block_delta: 'RawContentBlockDeltaEvent',
  content_block_stop: 'RawContentBlockStopEvent',
};

/** What `value` lacks of `type`, each named by where it is (`message.usage lacks cache_creation`). */
function lacks(where: string, value: unknown, type: string | undefined): string[] {
  if (type === undefined) return [`${where} is of a type the SDK does not know: ${JSON.stringify(value)}`];
  return missingFields(value, anthropicMessagesTypes, type).map((field) => `${where} (${type}) lacks ${field}`);
}

function messageProblems(where: string, message: Json): string[] {
  return [
    ...lacks(where, message, 'Message'),
    ...lacks(`${where}.usage`, message['usage'], 'Usage'),
    ...(message['content'] as Json[]).flatMap((block, index) => lacks(`${where}.content[${index}]`, block, blockTypes[block['type']])),
  ];
}

/** Every event of a stream held against its type, with the objects inside it. */
function streamProblems(text: string): string[] {
  const problems: string[] = [];
  for (const block of text.split('\n\n').filter((part) => part.includes('data: '))) {
    const name = /^event: (\w+)$/m.exec(block)?.[1];
    const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as Json;
    if (name === 'ping') continue;
    if (name === 'error') {
      problems.push(`error event: ${JSON.stringify(data)}`);
      continue;
    }
    problems.push(...lacks(name!, data, eventTypes[name!]));
    if (name === 'message_start') problems.push(...messageProblems('message_start.message', data['message']));
    if (name === 'content_block_start') problems.push(...lacks('content_block_start.content_block', data['content_block'], blockTypes[data['content_block']['type']]));
    if (name === 'content_block_delta') problems.push(...lacks('content_block_delta.delta', data['delta'], deltaTypes[data['delta']['type']]));
    if (name === 'message_delta') {
      problems.push(...lacks('message_delta.delta', data['delta'], 'RawMessageDeltaEvent.Delta'), ...lacks('message_delta.usage', data['usage'], 'MessageDeltaUsage'));
    }
  }
  return [...new Set(problems)];
}

describe("/v1/messages on the translated path, against the Anthropic SDK's types", () => {
  it.each(providers)('writes a whole answer from %s with every field the SDK declares required', async (provider) => {
    for (const script of whole[provider]) {
      rig.replay.play(script);
      const response = await post(request(provider, false));
      expect(response.status).toBe(200);
      expect(messageProblems('message', (await response.json()) as Json)).toEqual([]);
    }
  });

  it.each(providers)('streams an answer from %s with every field the SDK declares required, on every event', async (provider) => {
    for (const script of streams[provider]) {
      rig.replay.play(script);
      const response = await post(request(provider, true));
      expect(response.status).toBe(200);
      expect(streamProblems(await response.text())).toEqual([]);
    }
  });

  it.each(providers)("gives the SDK's stream helper a finalMessage() from %s as complete as a whole answer, its text and tool input as streamed", async (provider) => {
    const client = new Anthropic({ apiKey: masterKey, baseURL: rig.gateway.origin, maxRetries: 0 });
    for (const script of streams[provider]) {
      rig.replay.play(script);
      const stream = client.messages.stream(request(provider, true) as Anthropic.MessageCreateParamsStreaming);
      let text = '';
      let started: Anthropic.Usage | undefined;
      stream.on('text', (delta) => (text += delta));
      stream.on('streamEvent', (event) => {
        // A copy: the helper's snapshot is this very object, updated by message_delta.
        if (event.type === 'message_start') started = { ...event.message.usage };
      });
      const final = await stream.finalMessage();
      expect(messageProblems('finalMessage()', final as unknown as Json)).toEqual([]);
      expect(final.content.filter((block) => block.type === 'text').map((block) => block.text).join('')).toBe(text);
      for (const block of final.content) if (block.type === 'tool_use') expect(block.input).toEqual(expect.objectContaining({ city: expect.any(String) }));
      // The prompt's tokens are known (counted, else estimated) before the answer's first word: message_start says so.
      expect(started!.input_tokens).toBeGreaterThan(0);
      expect(final.usage.input_tokens).toBeGreaterThan(0);
    }
  });
});
