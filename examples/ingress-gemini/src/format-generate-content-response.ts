import { parseUpstreamJson, type ChatResponse } from '@switchyard/core';
import type { GeminiPart, GeminiResponse } from './gemini-wire-types.js';
import { mapFinishReason } from './map-finish-reason.js';
import { toUsageMetadata } from './to-usage-metadata.js';

/**
 * Parsed tool arguments; arguments that are not a JSON object are kept under
 * `arguments`, and so are arguments nested past the core's bound for upstream JSON
 * (the text is the provider's: parseUpstreamJson refuses it as it refuses broken JSON).
 */
export function toArgs(argumentsText: string): Record<string, unknown> {
  try {
    const parsed: unknown = parseUpstreamJson(argumentsText === '' ? '{}' : argumentsText);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    return { arguments: parsed };
  } catch {
    return { arguments: argumentsText };
  }
}

/** A canonical answer as a `GenerateContentResponse`: one candidate, `modelVersion` the `provider/model` that answered. */
export function formatGenerateContentResponse(response: ChatResponse, model: string): GeminiResponse {
  const parts: GeminiPart[] = [];
  for (const part of response.content) {
    if (part.type === 'text') parts.push({ text: part.text });
    else if (part.type === 'reasoning') {
      if (part.redactedData === undefined) parts.push({ text: part.text, thought: true });
    }
    else if (part.type === 'refusal') parts.push({ text: part.text });
    // The id is Gemini's optional functionCall.id: clients that send it back get their results matched by it.
    else if (part.type === 'tool-call') parts.push({ functionCall: { id: part.id, name: part.name, args: toArgs(part.arguments) } });
  }
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: mapFinishReason(response.finishReason), index: 0 }],
    usageMetadata: toUsageMetadata(response.usage),
    modelVersion: model,
    responseId: response.id,
  };
}
