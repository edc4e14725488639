import { GatewayError, type ChatResponse, type Usage } from '@switchyard/core';
import type { AcmeChatAnswer, AcmeMeter } from './acme-wire-types.js';
import { mapAcmeEndReason } from './map-acme-end-reason.js';

/** A whole Acme answer → ChatResponse; anything unexpected is a retryable invalid-response error. */
export function parseAcmeChatResponse(body: unknown, provider: string): ChatResponse {
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

/** Acme's meter → Usage; missing or non-finite counts are 0. */
export function mapAcmeMeter(meter: Partial<AcmeMeter> | undefined): Usage {
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);
  return { inputTokens: count(meter?.read), outputTokens: count(meter?.written) };
}
