import { GatewayError, readTokenCount, type UpstreamChatResponse, type Usage } from '@switchyard/core';
import type { AcmeChatAnswer, AcmeMeter } from './acme-wire-types.js';
import { mapAcmeEndReason } from './map-acme-end-reason.js';

/** A whole Acme answer → ChatResponse; anything unexpected is a retryable invalid-response error. */
export function parseAcmeChatResponse(body: unknown, provider: string): UpstreamChatResponse {
  const answer = body as Partial<AcmeChatAnswer> | null;
  if (!answer || typeof answer !== 'object' || typeof answer.output !== 'string') {
    throw new GatewayError('upstream_invalid_response', `The ${provider} upstream sent an answer without output.`, { provider });
  }
  return {
    id: typeof answer.ticket === 'string' ? answer.ticket : '',
    model: typeof answer.engine === 'string' ? answer.engine : '',
    created: Math.floor(Date.now() / 1000),
    content: [{ type: 'text', text: answer.output }],
    finishReason: mapAcmeEndReason(answer.ended_because),
    usage: mapAcmeMeter(answer.meter),
  };
}

/**
 * Acme's meter → Usage, or undefined when a count is missing or not a whole,
 * non-negative number (readTokenCount): the gateway then bills its estimate of the
 * answer. Read as 0, such a meter billed an answer as free; 2.5 went to the ledger.
 */
export function mapAcmeMeter(meter: Partial<AcmeMeter> | undefined): Usage | undefined {
  const inputTokens = readTokenCount(meter?.read);
  const outputTokens = readTokenCount(meter?.written);
  if (inputTokens === undefined || outputTokens === undefined || Number.isNaN(inputTokens) || Number.isNaN(outputTokens)) return undefined;
  return { inputTokens, outputTokens };
}
