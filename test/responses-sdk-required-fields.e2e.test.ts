import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { gatewayOverReplay } from './support/gateway-over-replay.js';
import { fixtureProviders, streamedFixtureAnswers, translatedFixtureConfig, wholeFixtureAnswers, type FixtureProvider } from './support/provider-fixture-answers.js';
import { missingFields, openAIResponsesTypes } from './support/sdk-required-fields.js';
import { masterKey } from './support/start-test-gateway.js';

/**
 * What `/v1/responses` writes on the translated path, every object held against the
 * official `openai` SDK's types (its own `.d.ts`): each field they declare required is
 * there. Each provider answers with its recorded bytes (the shared fixtures); whole
 * Responses, every streamed event, and the SDK's stream helper.
 */

const rig = gatewayOverReplay(translatedFixtureConfig);

type Json = Record<string, any>;

const itemTypes: Record<string, string> = { message: 'ResponseOutputMessage', function_call: 'ResponseFunctionToolCall', reasoning: 'ResponseReasoningItem' };
const partTypes: Record<string, string> = { output_text: 'ResponseOutputText', refusal: 'ResponseOutputRefusal', reasoning_text: 'ResponseReasoningItem.Content' };
const eventTypes: Record<string, string> = {
  'response.created': 'ResponseCreatedEvent',
  'response.in_progress': 'ResponseInProgressEvent',
  'response.completed': 'ResponseCompletedEvent',
  'response.incomplete': 'ResponseIncompleteEvent',
  'response.failed': 'ResponseFailedEvent',
  'response.output_item.added': 'ResponseOutputItemAddedEvent',
  'response.output_item.done': 'ResponseOutputItemDoneEvent',
  'response.content_part.added': 'ResponseContentPartAddedEvent',
  'response.content_part.done': 'ResponseContentPartDoneEvent',
  'response.output_text.delta': 'ResponseTextDeltaEvent',
  'response.output_text.done': 'ResponseTextDoneEvent',
  'response.refusal.delta': 'ResponseRefusalDeltaEvent',
  'response.refusal.done': 'ResponseRefusalDoneEvent',
  'response.reasoning_text.delta': 'ResponseReasoningTextDeltaEvent',
  'response.reasoning_text.done': 'ResponseReasoningTextDoneEvent',
  'response.function_call_arguments.delta': 'ResponseFunctionCallArgumentsDeltaEvent',
  'response.function_call_arguments.done': 'ResponseFunctionCallArgumentsDoneEvent',
};

function lacks(where: string, value: unknown, type: string | undefined): string[] {
  if (type === undefined) return [`${where} is of a type the SDK does not know: ${JSON.stringify(value).slice(0, 200)}`];
  return missingFields(value, openAIResponsesTypes, type).map((field) => `${where} (${type}) lacks ${field}`);
}

const itemProblems = (where: string, item: Json): string[] => [
  ...lacks(where, item, itemTypes[item['type']]),
  ...((item['content'] ?? []) as Json[]).flatMap((part, index) => lacks(`${where}.content[${index}]`, part, partTypes[part['type']])),
];

function responseProblems(where: string, response: Json): string[] {
  return [
    // `output_text` is the SDK's own, added by its client to each Response it reads.
    ...lacks(where, response, 'Response').filter((problem) => !problem.endsWith(' output_text')),
    ...(response['usage'] === null ? [] : lacks(`${where}.usage`, response['usage'], 'ResponseUsage')),
    ...(response['output'] as Json[]).flatMap((item, index) => itemProblems(`${where}.output[${index}]`, item)),
  ];
}

function streamProblems(text: string): string[] {
  const problems: string[] = [];
  let sequence = 0;
  for (const block of text.split('\n\n').filter((part) => part.includes('data: '))) {
    const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as Json;
    const name = data['type'] as string;
    problems.push(...lacks(name, data, eventTypes[name]));
    if (data['sequence_number'] !== sequence++) problems.push(`${name} numbered ${String(data['sequence_number'])}, not ${sequence - 1}`);
    if (data['response']) problems.push(...responseProblems(`${name}.response`, data['response']));
    if (data['item']) problems.push(...itemProblems(`${name}.item`, data['item']));
    if (data['part']) problems.push(...lacks(`${name}.part`, data['part'], partTypes[data['part']['type']]));
  }
  return [...new Set(problems)];
}

const tools = [{ type: 'function' as const, name: 'get_weather', description: 'The weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } } }, strict: false }];
const body = (provider: FixtureProvider, stream: boolean) => ({ model: `${provider}-once`, input: 'What is the weather in Paris?', tools, stream });

async function post(request: unknown): Promise<Response> {
  return fetch(`${rig.gateway.origin}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' }, body: JSON.stringify(request) });
}

describe("/v1/responses on the translated path, against the openai SDK's types", () => {
  it.each(fixtureProviders)('writes a whole Response from %s with every field the SDK declares required', async (provider) => {
    for (const script of wholeFixtureAnswers[provider]) {
      rig.replay.play(script);
      const response = await post(body(provider, false));
      expect(response.status).toBe(200);
      expect(responseProblems('response', (await response.json()) as Json)).toEqual([]);
    }
  });

  it.each(fixtureProviders)('streams a Response from %s with every field the SDK declares required, on every event, numbered in order', async (provider) => {
    for (const script of streamedFixtureAnswers[provider]) {
      rig.replay.play(script);
      const response = await post(body(provider, true));
      expect(response.status).toBe(200);
      expect(streamProblems(await response.text())).toEqual([]);
    }
  });

  it.each(fixtureProviders)("gives the SDK's stream helper a finalResponse() from %s that says what was streamed", async (provider) => {
    const client = new OpenAI({ apiKey: masterKey, baseURL: rig.gateway.baseURL, maxRetries: 0 });
    for (const script of streamedFixtureAnswers[provider]) {
      rig.replay.play(script);
      const stream = client.responses.stream({ model: `${provider}-once`, input: 'What is the weather in Paris?', tools });
      let text = '';
      stream.on('response.output_text.delta', (event) => (text += event.delta));
      const final = await stream.finalResponse();
      expect(responseProblems('finalResponse()', final as unknown as Json)).toEqual([]);
      expect(final.output_text).toBe(text);
      for (const item of final.output) if (item.type === 'function_call') expect(JSON.parse(item.arguments)).toEqual(expect.objectContaining({ city: expect.any(String) }));
      expect(final.usage!.input_tokens).toBeGreaterThan(0);
    }
  });
});
