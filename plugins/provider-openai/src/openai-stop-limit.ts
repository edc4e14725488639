import { GatewayError, type ChatRequest } from '@switchyard/core';

/** The most stop sequences OpenAI's chat completions take (`stop`: "up to 4", https://platform.openai.com/docs/api-reference/chat/create). */
const maxStopSequences = 4;

/**
 * Refuses a request OpenAI itself would refuse for its stop sequences: /v1/messages allows 64,
 * and more than 4 came back as OpenAI's own 400, which named no limit of the gateway's client's
 * dialect. Only for OpenAI's own API: a compatible server behind this plugin (vLLM) may take more.
 */
export function checkOpenAIStopLimit(request: ChatRequest): void {
  const count = request.stopSequences?.length ?? 0;
  if (count > maxStopSequences) {
    throw new GatewayError('invalid_request', `OpenAI takes at most ${maxStopSequences} stop sequences; this request has ${count}.`);
  }
}
