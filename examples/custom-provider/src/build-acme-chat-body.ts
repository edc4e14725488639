import { GatewayError, type ChatMessage, type ChatRequest, type Logger } from '@switchyard/core';
import type { AcmeChatBody, AcmeTurn } from './acme-wire-types.js';

/**
 * Canonical request → Acme body. What Acme cannot do at all (tools, images) is
 * refused with a 400 before any upstream call; what it can only approximate
 * (a JSON schema becomes plain JSON mode) is sent and logged as a warning.
 */
export function buildAcmeChatBody(request: ChatRequest, model: string, logger: Logger, provider: string): AcmeChatBody {
  if (request.tools?.length || request.messages.some((message) => message.role === 'tool')) {
    throw new GatewayError('unsupported_operation', `${provider} does not support tools.`, { param: 'tools', provider });
  }
  const dialogue = request.messages.map((message) => toTurn(message, provider));
  const format = request.responseFormat?.type === 'json' || request.responseFormat?.type === 'json-schema' ? 'json' : undefined;
  if (request.responseFormat?.type === 'json-schema') {
    logger.warn({ provider, unsupported: ['response_format.json_schema'] }, 'Acme has JSON mode only: the schema is not enforced');
  }
  return {
    engine: model,
    dialogue,
    ...(format && { format }),
    ...(request.stopSequences?.length && { halt: request.stopSequences }),
    ...(request.maxOutputTokens !== undefined && { max_len: request.maxOutputTokens }),
    ...(request.temperature !== undefined && { temperature: request.temperature }),
    stream: request.stream,
  };
}

function toTurn(message: ChatMessage, provider: string): AcmeTurn {
  switch (message.role) {
    case 'system':
      return { speaker: 'system', text: message.content };
    case 'user':
      if (message.content.some((part) => part.type !== 'text')) {
        throw new GatewayError('unsupported_operation', `${provider} accepts text only, no images.`, { param: 'messages', provider });
      }
      return { speaker: 'human', text: message.content.map((part) => (part.type === 'text' ? part.text : '')).join('') };
    case 'assistant':
      return { speaker: 'bot', text: message.content.map((part) => (part.type === 'text' ? part.text : '')).join('') };
    default:
      throw new GatewayError('unsupported_operation', `${provider} does not support tools.`, { param: 'messages', provider });
  }
}
