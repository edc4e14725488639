import type { AssistantMessage, ChatMessage, ImagePart, UserMessage } from '@switchyard/core';
import type { CohereMessage, CohereToolCall, CohereUserContent } from './cohere-wire-types.js';

/**
 * Canonical messages → Cohere v2 `messages`. The roles map one to one (v2 takes the
 * system prompt as a message). Tool results are sent as a `document` block, as
 * Cohere's own examples do, so the model may cite them. An assistant turn with
 * neither text nor calls (a client's `content: ""`) is left out: Cohere refuses it
 * (400 "must have content or tool_calls"), and it says nothing to the model.
 */
export function convertToCohereMessages(messages: readonly ChatMessage[]): CohereMessage[] {
  const converted: CohereMessage[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        converted.push({ role: 'system', content: message.content });
        break;
      case 'user':
        converted.push(convertUserMessage(message));
        break;
      case 'assistant': {
        const assistant = convertAssistantMessage(message);
        if (assistant) converted.push(assistant);
        break;
      }
      case 'tool':
        converted.push({ role: 'tool', tool_call_id: message.toolCallId, content: [{ type: 'document', document: { data: message.content } }] });
        break;
    }
  }
  return converted;
}

function convertUserMessage(message: UserMessage): CohereMessage {
  // One text goes as a string, the form every Cohere model takes. Several go as the text
  // blocks they are, as the other adapters send them: joined into one string, 'hi' and
  // 'again' reached the model as 'hiagain'.
  if (message.content.length <= 1 && message.content.every((part) => part.type === 'text')) {
    return { role: 'user', content: message.content[0]?.type === 'text' ? message.content[0].text : '' };
  }
  const content = message.content.map((part): CohereUserContent =>
    part.type === 'text' ? { type: 'text', text: part.text } : { type: 'image_url', image_url: convertImage(part) },
  );
  return { role: 'user', content };
}

function convertImage(part: ImagePart): { url: string; detail?: 'auto' | 'low' | 'high' } {
  const url = part.source.kind === 'url' ? part.source.url : `data:${part.source.mediaType};base64,${part.source.data}`;
  return part.detail ? { url, detail: part.detail } : { url };
}

/**
 * `tool_plan` is the text Cohere writes before its tool calls; a reasoning part
 * (which is what the adapter makes of a `tool_plan`) goes back there, or the
 * assistant text when there is no reasoning, so a round trip keeps the plan.
 */
function convertAssistantMessage(message: AssistantMessage): CohereMessage | undefined {
  let text = '';
  let reasoning = '';
  const toolCalls: CohereToolCall[] = [];
  for (const part of message.content) {
    if (part.type === 'text' || part.type === 'refusal') text += part.text;
    else if (part.type === 'reasoning') reasoning += part.text;
    // Cohere reads arguments as JSON: a call without any (OpenAI clients may send "") has `{}`.
    else toolCalls.push({ id: part.id, type: 'function', function: { name: part.name, arguments: part.arguments === '' ? '{}' : part.arguments } });
  }
  if (toolCalls.length === 0) return text === '' ? undefined : { role: 'assistant', content: text };
  const plan = reasoning || text;
  return { role: 'assistant', ...(plan !== '' && { tool_plan: plan }), tool_calls: toolCalls };
}
