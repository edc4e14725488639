import type { ChatResponse } from '../../canonical/chat-response.js';
import { billedOpenAIUsage } from './billed-openai-usage.js';
import { withOpenAIFinishReasons } from './openai-finish-reason.js';
import { withOpenAITextFieldsTyped } from './openai-text-fields.js';
import { withOpenAIToolCallsTyped } from './openai-tool-call-fields.js';
import { toOpenAIUsage } from './openai-usage.js';

type Json = Record<string, unknown>;

/**
 * A whole OpenAI-compatible answer as the client gets it on the fast path: the
 * upstream's own body with `model` as `provider/model`, and the usage the gateway
 * billed: the upstream's own when it says that already, in OpenAI's place when the
 * upstream put it elsewhere, rewritten when its counts were not numbers it could bill.
 * A finish reason OpenAI does not define (or none) is the translated path's
 * (withOpenAIFinishReasons), and a message's text that is neither text nor `null`
 * (12345, `{}`) is `null`, as the translated path drops it (withOpenAITextFieldsTyped),
 * and its tool calls are written as the translated path writes them (withOpenAIToolCallsTyped);
 * the choices are copied only then.
 */
export function formatOpenAIPassthroughResponse(body: Json, response: ChatResponse, model: string): unknown {
  const answer: Json = { ...body, model };
  const usage = answer['usage'];
  answer['usage'] = typeof usage === 'object' && usage !== null ? billedOpenAIUsage(usage, response.usage) : toOpenAIUsage(response.usage);
  if (!Array.isArray(body['choices'])) return answer;
  const finishes = withOpenAIFinishReasons(body['choices'], response.finishReason, true);
  const texts = withOpenAITextFieldsTyped(finishes ?? body['choices'], 'message') ?? finishes;
  const choices = withOpenAIToolCallsTyped(texts ?? body['choices'], 'message') ?? texts;
  if (choices) answer['choices'] = choices;
  return answer;
}
