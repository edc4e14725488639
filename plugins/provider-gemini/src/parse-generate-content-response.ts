import { randomUUID } from 'node:crypto';
import { GatewayError, type AssistantContentPart, type UpstreamChatResponse } from '@switchyard/core';
import type { GeminiCandidate, GeminiGenerateContentResponse } from './gemini-wire-types.js';
import { readFirstCandidate } from './read-gemini-candidate.js';
import { inventToolCallId } from './invent-tool-call-id.js';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js';
import { mapGeminiUsage } from './map-gemini-usage.js';
import { readPromptBlock } from './read-prompt-block.js';
import { errorEnvelopeStatus, mapGeminiErrorBody, unwrapErrorList } from './map-gemini-error.js';

/**
 * Gemini `GenerateContentResponse` → canonical response (the first candidate). The error
 * envelope answered at 200 (by a proxy, whole or to a stream request; or the streaming
 * endpoint's list of it) is that error, as the same envelope in a stream's event is: read
 * as an answer, a rate limit or an overload was a 502 "answered without a candidate".
 */
export function parseGenerateContentResponse(body: unknown, provider: string): UpstreamChatResponse {
  const envelope = unwrapErrorList(body);
  if (envelope !== undefined && typeof envelope.error === 'object' && envelope.error !== null) {
    throw mapGeminiErrorBody(provider, errorEnvelopeStatus(envelope.error.code), envelope);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError('upstream_invalid_response', `The ${provider} upstream answered with something other than a response object.`, { provider });
  }
  const response = body as GeminiGenerateContentResponse;
  const reading = readFirstCandidate(response);
  if (!reading) {
    // A blocked prompt is a 200 without candidates; the reason is in promptFeedback.
    throw readPromptBlock(response, provider) ??
      new GatewayError('upstream_invalid_response', `The ${provider} upstream answered without a candidate.`, { provider });
  }
  const { candidate } = reading;
  const responseId = typeof response.responseId === 'string' ? response.responseId : undefined;

  const content: AssistantContentPart[] = [];
  let toolCalls = 0;
  for (const part of reading.parts) {
    if (part.type === 'call') {
      content.push({ type: 'tool-call', id: inventToolCallId(responseId, toolCalls, part, part.signature), name: part.name, arguments: part.arguments });
      toolCalls += 1;
    } else {
      const previous = content.at(-1);
      const type = part.thought ? 'reasoning' : 'text';
      // Gemini may split one answer over several text parts; the client wants one.
      if (previous?.type === type && !(type === 'reasoning' && part.signature)) previous.text += part.text;
      else if (type === 'reasoning') content.push({ type, text: part.text, ...(part.signature && { signature: part.signature }) });
      else content.push({ type, text: part.text });
    }
  }

  const chatResponse: UpstreamChatResponse = {
    id: responseId ?? `gemini-${randomUUID()}`,
    model: typeof response.modelVersion === 'string' ? response.modelVersion : 'unknown',
    created: Math.floor(Date.now() / 1000),
    content,
    finishReason: candidate.finishReason
      ? mapGeminiFinishReason(candidate.finishReason, toolCalls > 0)
      : { unified: toolCalls > 0 ? 'tool-calls' : 'stop' },
    // Undefined when missing or unreadable: the gateway bills its estimate, never 0.
    usage: mapGeminiUsage(response.usageMetadata),
  };
  const metadata = candidateMetadata(candidate);
  if (metadata) chatResponse.providerMetadata = { gemini: metadata };
  return chatResponse;
}

/** What a client of Gemini may want to see that the canonical response has no field for. */
function candidateMetadata(candidate: GeminiCandidate): Record<string, unknown> | undefined {
  const metadata: Record<string, unknown> = {};
  if (candidate.safetyRatings) metadata['safetyRatings'] = candidate.safetyRatings;
  if (candidate.citationMetadata) metadata['citationMetadata'] = candidate.citationMetadata;
  if (candidate.groundingMetadata) metadata['groundingMetadata'] = candidate.groundingMetadata;
  return Object.keys(metadata).length > 0 ? metadata : undefined;
}
