import { isRecord } from './is-record.js';

/**
 * The text of a message content that is a string or a list of parts (OpenAI's
 * message content, Anthropic's `tool_result` content): the parts' `text`, one a
 * line; other parts (images) count for nothing.
 */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isRecord)
    .map((part) => part['text'])
    .filter((text): text is string => typeof text === 'string')
    .join('\n');
}
