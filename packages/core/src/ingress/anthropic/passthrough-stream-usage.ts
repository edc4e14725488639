import type { Usage } from '../../canonical/usage.js';
import { parseUpstreamJson } from '../../transport/parse-upstream-json.js';
import { toAnthropicUsage } from './anthropic-usage.js';

type Json = Record<string, unknown>;

/** A count written as text (`"output_tokens":"17"`): the tap reads it as 17, an SDK would take the string. */
const countWrittenAsText = /"(?:input_tokens|output_tokens|cache_creation_input_tokens|cache_read_input_tokens)"\s*:\s*"/;
/** `input_tokens` written as a number: what Anthropic's SDKs read from message_start's usage. */
const inputWrittenAsNumber = /"input_tokens"\s*:\s*\d/;

/**
 * Whether a fast-path `message_start` must be written again with the billed usage: the
 * tap read no usage from it (none, not an object, a count that is not one), or its
 * `input_tokens` is missing or written as text. Anthropic's SDKs keep message_start's
 * usage as the message's and update it from message_delta: without one they throw.
 * Two regular expressions over one event a stream; the usual one passes as it came.
 */
export function startNeedsBilledUsage(data: string, usageRead: boolean): boolean {
  return !usageRead || !inputWrittenAsNumber.test(data) || countWrittenAsText.test(data);
}

/** A prompt count written as a number, with its name. */
const promptCountWritten = /"(input_tokens|cache_creation_input_tokens|cache_read_input_tokens)"\s*:\s*(\d+)/g;

/**
 * Whether a fast-path `message_delta` must be written again: the tap read no final usage
 * from it (`finalUsage`), a count is text, or a prompt count written differs from the one
 * read (the decoder keeps message_start's where the delta's is lower, and an SDK takes the
 * delta's). A few regular expression steps over one event a stream.
 */
export function deltaNeedsBilledUsage(data: string, finalUsage: Usage | undefined): boolean {
  if (finalUsage === undefined || countWrittenAsText.test(data)) return true;
  const read = toAnthropicUsage(finalUsage);
  for (const [, name, count] of data.matchAll(promptCountWritten)) {
    if (Number(count) !== read[name as keyof typeof read]) return true;
  }
  return false;
}

/** `message_start` with `message.usage` holding the billed counts so far, its other fields (`service_tier` …) kept. */
export function startWithBilledUsage(data: string, billed: Usage): string {
  const parsed = parseUpstreamJson(data) as Json;
  const message = parsed['message'];
  if (!isObject(message)) return data;
  message['usage'] = withCounts(message['usage'], billed);
  return JSON.stringify(parsed);
}

/** `message_delta` with `usage` holding the billed counts, its other fields (`server_tool_use` …) kept. */
export function deltaWithBilledUsage(data: string, billed: Usage): string {
  const parsed = parseUpstreamJson(data) as Json;
  parsed['usage'] = withCounts(parsed['usage'], billed);
  return JSON.stringify(parsed);
}

function withCounts(usage: unknown, billed: Usage): Json {
  return { ...(isObject(usage) ? usage : undefined), ...toAnthropicUsage(billed) };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
