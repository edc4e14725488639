import type { ChatMessage, ImageSource, OpenAIContentPart, OpenAIMessage, OpenAIToolCall, UserContentPart } from '@switchyard/core';

/** Canonical messages → OpenAI Chat Completions `messages`. */
export function convertToOpenAIMessages(messages: ChatMessage[]): OpenAIMessage[] {
  return messages.map((message): OpenAIMessage => {
    switch (message.role) {
      case 'system':
        return { role: message.developer ? 'developer' : 'system', content: message.content };
      case 'user':
        return {
          role: 'user',
          content: userContent(message.content),
          ...(message.name !== undefined && { name: message.name }),
        };
      case 'assistant': {
        let text: string | null = null;
        let refusal: string | undefined;
        const toolCalls: OpenAIToolCall[] = [];
        for (const part of message.content) {
          if (part.type === 'text') text = (text ?? '') + part.text;
          else if (part.type === 'refusal') refusal = (refusal ?? '') + part.text;
          else if (part.type === 'tool-call') {
            toolCalls.push({ id: part.id, type: 'function', function: { name: part.name, arguments: part.arguments } });
          }
          // Reasoning is not sent back: OpenAI-compatible APIs refuse it as input.
        }
        return {
          role: 'assistant',
          // null only beside tool calls: OpenAI refuses a null content without them ("expected a string, got null").
          content: text ?? (toolCalls.length > 0 ? null : ''),
          ...(refusal !== undefined && { refusal }),
          ...(toolCalls.length > 0 && { tool_calls: toolCalls }),
          ...(message.name !== undefined && { name: message.name }),
        };
      }
      case 'tool':
        return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    }
  });
}

function userContent(parts: UserContentPart[]): string | OpenAIContentPart[] {
  if (parts.length === 1 && parts[0]!.type === 'text') return parts[0]!.text;
  return parts.map((part): OpenAIContentPart =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : { type: 'image_url', image_url: { url: imageUrl(part.source), ...(part.detail && { detail: part.detail }) } },
  );
}

function imageUrl(source: ImageSource): string {
  return source.kind === 'url' ? source.url : `data:${source.mediaType};base64,${source.data}`;
}
