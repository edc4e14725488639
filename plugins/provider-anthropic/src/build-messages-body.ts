import { GatewayError, requestBounds, type ChatRequest } from '@switchyard/core';
import type { AnthropicOptions } from './anthropic-options.js';
import type { AnthropicMessagesRequestBody } from './anthropic-wire-types.js';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';
import { convertToAnthropicTools } from './convert-to-anthropic-tools.js';
import { readAnthropicProviderOptions } from './read-anthropic-provider-options.js';

/** The flag that turns on the original (beta) `output_format` field. */
export const structuredOutputsBeta = 'structured-outputs-2025-11-13';

/** A Messages API body and the `anthropic-beta` flags it needs beyond the configured ones. */
export interface MessagesBody {
  body: AnthropicMessagesRequestBody;
  betas: string[];
}

/** Which options the body depends on. */
export type MessagesBodySettings = Pick<AnthropicOptions, 'default_max_tokens' | 'structured_outputs'> & Partial<Pick<AnthropicOptions, 'beta'>>;

/**
 * Canonical request → `POST /v1/messages` body. Settings Anthropic has no field for
 * (`frequencyPenalty`, `presencePenalty`, `seed`, `reasoningEffort`, `metadata`) are
 * not sent; {@link listUnsupportedSettings} names them.
 */
export function buildMessagesBody(request: ChatRequest, model: string, settings: MessagesBodySettings): MessagesBody {
  const extra = readAnthropicProviderOptions(request);
  const passThrough = extra.body;
  const prompt = convertToAnthropicMessages(request.messages, {
    ...(extra.systemCacheControl && { system: extra.systemCacheControl }),
    ...(extra.messagesCacheControl && { messages: extra.messagesCacheControl }),
  });
  // Anthropic refuses `messages: []` ("at least one message is required"): said here, naming the client's field.
  if (prompt.messages.length === 0) {
    throw new GatewayError('invalid_request', 'Anthropic needs at least one user or assistant message besides the system prompt.', { param: 'messages' });
  }
  const body: AnthropicMessagesRequestBody = {
    // Fields the canonical shape has no place for go first, so nothing below is overridden by them.
    ...passThrough,
    model,
    max_tokens: maxTokens(request, passThrough, settings.default_max_tokens, interleavedThinking(extra.betas, settings.beta)),
    ...(prompt.system !== undefined && { system: prompt.system }),
    messages: prompt.messages,
    ...convertToAnthropicTools(request, extra.toolsCacheControl),
    stream: request.stream,
  };
  // Anthropic's range is 0–1, OpenAI's 0–2: passed as sent, so a value out of range is refused
  // by the upstream rather than silently changed.
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stopSequences !== undefined && request.stopSequences.length > 0) body.stop_sequences = request.stopSequences;
  if (request.user !== undefined) body.metadata = { ...asRecord(passThrough['metadata']), user_id: request.user };

  const betas = [...extra.betas];
  const format = request.responseFormat;
  if (format?.type === 'json-schema') {
    const outputFormat = { type: 'json_schema' as const, schema: format.schema };
    if (settings.structured_outputs === 'output_format') {
      body.output_format = outputFormat;
      betas.push(structuredOutputsBeta);
    } else {
      body.output_config = { ...asRecord(passThrough['output_config']), format: outputFormat };
    }
  }
  return { body, betas };
}

/**
 * The client's limit, else one from `providerOptions`, else the configured default.
 * With extended thinking the budget counts against `max_tokens`, so the default
 * grows by it rather than leaving no room for the answer.
 */
function maxTokens(request: ChatRequest, passThrough: Record<string, unknown>, defaultMaxTokens: number, interleaved: boolean): number {
  const budget = thinkingBudget(passThrough);
  // Under interleaved thinking the budget spans the turn and may exceed max_tokens: nothing to check.
  const checked = interleaved ? 0 : budget;
  if (request.maxOutputTokens !== undefined) {
    return request.maxOutputTokensOfKey ? keyLimitAboveThinkingBudget(request.maxOutputTokens, checked) : aboveThinkingBudget(request.maxOutputTokens, checked);
  }
  if (typeof passThrough['max_tokens'] === 'number') return aboveThinkingBudget(passThrough['max_tokens'], checked);
  return defaultMaxTokens + budget;
}

/**
 * Whether the request's or the configured betas turn on interleaved thinking, under which
 * Anthropic lets `budget_tokens` exceed `max_tokens` (it spans the whole turn).
 */
function interleavedThinking(requestBetas: readonly string[], configured: readonly string[] = []): boolean {
  for (const flag of requestBetas) if (flag.startsWith('interleaved-thinking')) return true;
  for (const flag of configured) if (flag.startsWith('interleaved-thinking')) return true;
  return false;
}

/**
 * A client's `max_tokens`, checked to be above the thinking budget (0 without thinking):
 * Anthropic refuses one that is not, so it is refused here, before anything is sent.
 */
function aboveThinkingBudget(maxTokens: number, budget: number): number {
  if (budget === 0 || maxTokens > budget) return maxTokens;
  throw new GatewayError(
    'invalid_request',
    `max_tokens (${maxTokens}) must be greater than thinking.budget_tokens (${budget}): the thinking budget counts against max_tokens.`,
    { param: 'max_tokens' },
  );
}

/**
 * An API key's `max_tokens`, filled in for a request that set none, checked as above: the
 * client cannot change a limit it never sent, so the refusal names the key's limit and
 * points at the budget, the one number the client can lower.
 */
function keyLimitAboveThinkingBudget(maxTokens: number, budget: number): number {
  if (budget === 0 || maxTokens > budget) return maxTokens;
  throw new GatewayError(
    'invalid_request',
    `This API key allows at most ${maxTokens} output tokens per request, which must be greater than thinking.budget_tokens (${budget}): the thinking budget counts against them. Set a budget_tokens below ${maxTokens}.`,
    { param: 'provider_options.anthropic.thinking.budget_tokens' },
  );
}

/**
 * The `max_tokens` {@link buildMessagesBody} sends for a request without `maxOutputTokens`,
 * read from `providerOptions.anthropic` as it is (nothing copied): the budget hold and the
 * tpm charge take it before the call. A thinking budget the body refuses counts as none.
 */
export function defaultMaxTokensFor(request: ChatRequest, configured: number): number {
  const options: unknown = request.providerOptions?.['anthropic'];
  if (typeof options !== 'object' || options === null) return configured;
  const given = (options as Record<string, unknown>)['max_tokens'];
  if (typeof given === 'number') return given;
  const budget = enabledThinkingBudget(options as Record<string, unknown>);
  return Number.isNaN(budget) ? configured : configured + budget;
}

/**
 * The `budget_tokens` of an enabled `thinking` in the options, else 0. It must be a
 * whole number from 1 to the output ceiling, as the Messages ingress checks it: one that
 * is not (-5000, 0.5, 1e300, "2048", none) made the default `max_tokens` above a value
 * the client never wrote, and Anthropic's refusal blamed `max_tokens`.
 */
function thinkingBudget(passThrough: Record<string, unknown>): number {
  const budget = enabledThinkingBudget(passThrough);
  if (!Number.isNaN(budget)) return budget;
  throw new GatewayError('invalid_request', `thinking.budget_tokens must be a whole number from 1 to ${requestBounds.maxOutputTokens} when thinking is enabled.`, {
    param: 'provider_options.anthropic.thinking.budget_tokens',
  });
}

/** `thinkingBudget` without the refusal: NaN for a budget that is not a whole number from 1 to the output ceiling. */
function enabledThinkingBudget(options: Record<string, unknown>): number {
  const thinking = options['thinking'];
  if (typeof thinking !== 'object' || thinking === null || (thinking as Record<string, unknown>)['type'] !== 'enabled') return 0;
  const budget = (thinking as Record<string, unknown>)['budget_tokens'];
  return Number.isInteger(budget) && (budget as number) >= 1 && (budget as number) <= requestBounds.maxOutputTokens ? (budget as number) : Number.NaN;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
