import { providerFixturesDir, readFixture } from '@switchyard/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onceModels } from './request-records.js';
import type { ReplayScript } from './start-fixture-replay.js';

/**
 * Every provider's recorded answers (the shared fixtures), whole and streamed, for tests
 * that hold what a surface writes from each against an SDK's types: a gateway config
 * sending `<provider>-once` to each at the replaying upstream, translated
 * (`server.fast_path: false`), and the scripts that replay each one's answers.
 */

export const fixtureTargets = {
  openai: 'openai/gpt-4o-mini',
  anthropic: 'anthropic/claude-sonnet-4-5',
  gemini: 'gemini/gemini-2.5-flash',
  mistral: 'mistral/mistral-large-latest',
  cohere: 'cohere/command-a-03-2025',
  bedrock: 'bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  deepseek: 'deepseek/deepseek-reasoner',
};
export type FixtureProvider = keyof typeof fixtureTargets;
export const fixtureProviders = Object.keys(fixtureTargets) as FixtureProvider[];

export function translatedFixtureConfig(url: string): Record<string, unknown> {
  return {
    providers: {
      openai: { api_key: 'sk-proj-conform-0123456789abcdef', base_url: url, responses_api: false },
      anthropic: { api_key: 'sk-ant-conform-0123456789abcdef', base_url: url },
      gemini: { api_key: 'AIzaSyConform0123456789abcdef', base_url: url },
      mistral: { api_key: 'mistral-conform-key-0123456789', base_url: url },
      cohere: { api_key: 'cohere-conform-key-0123456789', base_url: url },
      bedrock: { region: 'us-east-1', endpoint: url, access_key_id: 'AKIDEXAMPLE0123456789', secret_access_key: 'bedrock-conform-secret-0123456789' },
      deepseek: { use: 'openai', preset: 'deepseek', api_key: 'sk-deepseek-conform-0123456789', base_url: url },
    },
    models: onceModels(fixtureTargets),
    server: { fast_path: false },
    chain: ['auth', 'key-scope', 'route', 'adapter'],
  };
}

const json = (body: string): ReplayScript => ({ body, contentType: 'application/json' });
const sse = (body: string): ReplayScript => ({ body, contentType: 'text/event-stream' });
const eventStream = (file: string): ReplayScript => ({ body: readFileSync(join(providerFixturesDir(), 'bedrock', file)), contentType: 'application/vnd.amazon.eventstream' });

/** Each provider's recorded whole answers (text, tool call; DeepSeek's with reasoning). */
export const wholeFixtureAnswers: Record<FixtureProvider, ReplayScript[]> = {
  openai: [json(readFixture('openai', 'response.json')), json(readFixture('openai', 'response-tool-call.json'))],
  anthropic: [json(readFixture('anthropic', 'response.json')), json(readFixture('anthropic', 'response-tool-call.json'))],
  gemini: [json(readFixture('gemini', 'response.json')), json(readFixture('gemini', 'response-tool-call.json'))],
  mistral: [json(readFixture('mistral', 'response.json')), json(readFixture('mistral', 'response-tool-call.json'))],
  cohere: [json(readFixture('cohere', 'response.json')), json(readFixture('cohere', 'response-tool-call.json'))],
  bedrock: [json(readFixture('bedrock', 'response.json')), json(readFixture('bedrock', 'response-tool-call.json'))],
  deepseek: [json(readFixture('openai-compatible', 'deepseek-response-reasoner.json'))],
};

/** Each provider's recorded streams (text with a tool call, text only; DeepSeek's with reasoning). */
export const streamedFixtureAnswers: Record<FixtureProvider, ReplayScript[]> = {
  openai: [sse(readFixture('openai', 'stream.txt')), sse(readFixture('openai', 'stream-text-only.txt'))],
  anthropic: [sse(readFixture('anthropic', 'stream.txt')), sse(readFixture('anthropic', 'stream-text-only.txt'))],
  gemini: [sse(readFixture('gemini', 'stream.txt')), sse(readFixture('gemini', 'stream-text-only.txt'))],
  mistral: [sse(readFixture('mistral', 'stream.txt')), sse(readFixture('mistral', 'stream-text-only.txt'))],
  cohere: [sse(readFixture('cohere', 'stream.txt')), sse(readFixture('cohere', 'stream-text-only.txt'))],
  bedrock: [eventStream('stream.eventstream.bin'), eventStream('stream-text-only.eventstream.bin')],
  deepseek: [sse(readFixture('openai-compatible', 'deepseek-stream-reasoner.txt'))],
};
