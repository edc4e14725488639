import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { providerFixturesDir } from '@switchyard/testing';
import type { PrefixedProvider } from './providers-under-prefixes.js';

/** Each provider under a prefix: the deployment its `<provider>-once` model targets, and where its recorded answers are. */
export const fixtureProviders = {
  openai: { target: 'openai/gpt-4o-mini', dir: 'openai', stream: 'stream.txt', streamType: 'text/event-stream' },
  azure: { target: 'azure/gpt-4o-mini', dir: 'azure-openai', stream: 'stream.txt', streamType: 'text/event-stream' },
  mistral: { target: 'mistral/mistral-large-latest', dir: 'mistral', stream: 'stream.txt', streamType: 'text/event-stream' },
  anthropic: { target: 'anthropic/claude-sonnet-4-5', dir: 'anthropic', stream: 'stream.txt', streamType: 'text/event-stream' },
  gemini: { target: 'gemini/gemini-2.5-flash', dir: 'gemini', stream: 'stream.txt', streamType: 'text/event-stream' },
  cohere: { target: 'cohere/command-a-03-2025', dir: 'cohere', stream: 'stream.txt', streamType: 'text/event-stream' },
  bedrock: { target: 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0', dir: 'bedrock', stream: 'stream.eventstream.bin', streamType: 'application/vnd.amazon.eventstream' },
} as const satisfies Record<PrefixedProvider, unknown>;

/** `provider → provider/model` for every provider, for onceConfigUnderPrefixes. */
export const fixtureTargets = Object.fromEntries(Object.entries(fixtureProviders).map(([name, { target }]) => [name, target])) as Record<PrefixedProvider, string>;

/** A file of the provider's recorded answers (docs' shared fixtures). */
export const fixtureFile = (provider: PrefixedProvider, file: string): Buffer => readFileSync(join(providerFixturesDir(), fixtureProviders[provider].dir, file));

/** Whether the upstream was asked for a stream: a streaming path (Gemini's, Bedrock's) or `"stream": true` in the body. */
export const asksForStream = (path: string | undefined, body: Buffer): boolean => /stream|converse-stream/i.test(path ?? '') || /"stream":\s*true/.test(body.toString());

/** The provider's recorded answer, whole (`response.json`) or streamed, with its content type. */
export function recordedAnswer(provider: PrefixedProvider, stream: boolean): { body: Buffer; contentType: string } {
  const { stream: streamFile, streamType } = fixtureProviders[provider];
  return stream ? { body: fixtureFile(provider, streamFile), contentType: streamType } : { body: fixtureFile(provider, 'response.json'), contentType: 'application/json' };
}
