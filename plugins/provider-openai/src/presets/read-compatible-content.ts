import { fromOpenAIFinishReason, type FinishReason, isJsonObject } from '@switchyard/core';

/** Text and reasoning of one message or delta, whatever field or shape carries them. */
export interface CompatibleContent {
  text: string;
  reasoning: string;
}


/**
 * Reads `content` (a string, or Mistral Magistral's list of `text` / `thinking`
 * chunks) and the reasoning, named `reasoning_content` (DeepSeek, xAI, older vLLM)
 * or `reasoning` (Groq gpt-oss, OpenRouter, newer vLLM).
 */
export function readCompatibleContent(message: Record<string, unknown>): CompatibleContent {
  let text = '';
  let reasoning = '';
  const content = message['content'];
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    for (const chunk of content) {
      if (!isJsonObject(chunk)) continue;
      if (chunk['type'] === 'text' && typeof chunk['text'] === 'string') text += chunk['text'];
      else if (chunk['type'] === 'thinking') reasoning += chunkText(chunk['thinking']);
    }
  }
  for (const field of ['reasoning_content', 'reasoning']) {
    const value = message[field];
    if (typeof value === 'string' && value !== '') {
      reasoning += value;
      break;
    }
  }
  return { text, reasoning };
}

function chunkText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return '';
  return value.map((item) => (isJsonObject(item) && typeof item['text'] === 'string' ? item['text'] : '')).join('');
}

/** OpenAI's finish reasons plus Mistral's `model_length` (the model's context was full). */
export function fromCompatibleFinishReason(raw: string): FinishReason {
  if (raw === 'model_length') return { unified: 'length', raw };
  if (raw === 'error') return { unified: 'error', raw };
  return fromOpenAIFinishReason(raw);
}
