import { GatewayError, type ChatRequest, isJsonObject } from '@switchyard/core';
import { convertJsonSchemaForGemini, schemaNodeBudget } from './convert-json-schema-for-gemini.js';
import { describeRemovedKeywords } from './describe-removed-keywords.js';
import { convertToGeminiContents } from './convert-to-gemini-contents.js';
import { convertToGeminiTools } from './convert-to-gemini-tools.js';
import type { GeminiGenerateContentRequest, GeminiGenerationConfig } from './gemini-wire-types.js';

/** Settings of the provider that shape every body. */
export interface GenerateContentBodySettings {
  /** The plugin name, for `providerOptions` (`gemini`, or the name of a preset). */
  provider: string;
  /** Sent as `safetySettings` on every request. */
  safetySettings?: unknown[] | undefined;
  /** Where a JSON-schema response format goes; see GeminiOptions. */
  responseSchemaField: 'responseJsonSchema' | 'responseSchema';
}

/** A request body and what the translation had to leave out, for the call's logger. */
export interface GenerateContentBody {
  body: GeminiGenerateContentRequest;
  warnings: string[];
}

/**
 * Thinking budgets per reasoning effort, as Google maps OpenAI's `reasoning_effort`
 * for Gemini 2.5 (its OpenAI-compatible endpoint); Gemini 3 still accepts budgets.
 */
const thinkingBudgets: Record<NonNullable<ChatRequest['reasoningEffort']>, number> = {
  none: 0,
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
};

/** The most stop sequences Gemini takes (`generationConfig.stopSequences`, https://ai.google.dev/api/generate-content#generationconfig). */
const maxStopSequences = 5;

/**
 * The stop sequences, refused when Gemini would refuse them: /v1/messages allows 64, and more
 * than 5 came back as Gemini's own 400, which did not say which limit the gateway's client broke.
 */
function withinStopLimit(stop: string[]): string[] {
  if (stop.length <= maxStopSequences) return stop;
  throw new GatewayError('invalid_request', `Gemini takes at most ${maxStopSequences} stop sequences; this request has ${stop.length}.`);
}

/** Canonical request → `generateContent` body (the same body serves the streamed call). */
export function buildGenerateContentBody(request: ChatRequest, settings: GenerateContentBodySettings): GenerateContentBody {
  const warnings: string[] = [];
  const { systemInstruction, contents } = convertToGeminiContents(request.messages);
  if (contents.length === 0) {
    throw new GatewayError('invalid_request', 'Gemini needs at least one user or assistant message besides the system prompt.', {
      param: 'messages',
    });
  }
  const body: GeminiGenerateContentRequest = { ...(systemInstruction && { systemInstruction }), contents };

  // One budget for every schema of the request: 128 tools must not each take the whole of it.
  const schemaNodes = schemaNodeBudget();
  const tools = convertToGeminiTools(request.tools, request.toolChoice, schemaNodes);
  warnings.push(...tools.warnings);
  if (tools.tools) body.tools = tools.tools;
  if (tools.toolConfig) body.toolConfig = tools.toolConfig;
  if (request.parallelToolCalls === false) warnings.push('parallelToolCalls: Gemini cannot be limited to one call per turn; ignored');
  if (settings.safetySettings) body.safetySettings = settings.safetySettings;

  const config: GeminiGenerationConfig = {};
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.maxOutputTokens !== undefined) config.maxOutputTokens = request.maxOutputTokens;
  if (request.stopSequences !== undefined) config.stopSequences = withinStopLimit(request.stopSequences);
  if (request.candidateCount !== undefined) config.candidateCount = request.candidateCount;
  if (request.seed !== undefined) config.seed = request.seed;
  if (request.presencePenalty !== undefined) config.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) config.frequencyPenalty = request.frequencyPenalty;
  const format = request.responseFormat;
  if (format?.type === 'json') config.responseMimeType = 'application/json';
  if (format?.type === 'json-schema') {
    config.responseMimeType = 'application/json';
    if (settings.responseSchemaField === 'responseJsonSchema') config.responseJsonSchema = format.schema;
    else {
      const { schema, removed } = convertJsonSchemaForGemini(format.schema, schemaNodes, 'response_format');
      if (removed.length > 0) warnings.push(`responseFormat.schema: ${describeRemovedKeywords(removed)}`);
      config.responseSchema = schema;
    }
  }
  if (request.reasoningEffort !== undefined) config.thinkingConfig = { thinkingBudget: thinkingBudgets[request.reasoningEffort] };
  if (Object.keys(config).length > 0) body.generationConfig = config;

  // Fields the canonical request has no place for (`thinkingConfig.includeThoughts`,
  // `cachedContent`, `topK` …) are laid under the body: they fill in, never override.
  const extra = {
    ...request.providerOptions?.['gemini'],
    ...(settings.provider !== 'gemini' ? request.providerOptions?.[settings.provider] : undefined),
  };
  return { body: mergeUnder(extra, body) as GeminiGenerateContentRequest, warnings };
}

/** `base` with `override` laid over it, objects merged key by key. */
function mergeUnder(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const under = merged[key];
    merged[key] = isJsonObject(under) && isJsonObject(value) ? mergeUnder(under, value) : value;
  }
  return merged;
}
