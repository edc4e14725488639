import type { AssistantContentPart, ChatRequest } from '../canonical/chat-request.js';
import type { ChatResponse, UpstreamChatResponse } from '../canonical/chat-response.js';
import type { StreamPart } from '../canonical/stream-part.js';
import type { Usage } from '../canonical/usage.js';
import { estimated } from './estimated-usage.js';
import { CHARACTERS_PER_TOKEN, estimatePromptTokens, textLength } from './estimate-prompt-tokens.js';

/**
 * What a stream produced so far, for billing a stream that ended before the
 * provider's final usage came (the client left, the upstream broke): the real
 * counts the provider already reported (Anthropic's `message_start` gives the input
 * tokens), and an estimate of the rest, four characters a token like the prompt
 * estimate, over everything streamed: text, reasoning, refusals and tool calls.
 * A whole answer without a usage the gateway can read is counted the same way, from
 * its content (estimateAnswerUsage), so it bills what the same answer streamed would.
 */
export class GeneratedOutput {
  private started = false;
  private characters = 0;
  private reasoningCharacters = 0;
  private reported: Usage | undefined;
  /**
   * The prompt's estimate, made once. It reads the whole prompt, and the usage is asked
   * for again on the fast path's events that want the billed counts (each Anthropic
   * `message_delta` without a final usage): made on each, a hostile stream of such events
   * cost the prompt's length per event.
   */
  private promptEstimate: { request: ChatRequest; tokens: number } | undefined;

  /** Counts one part; a `usage` part is taken as what the provider reported so far. */
  add(part: StreamPart): void {
    this.started = true;
    switch (part.type) {
      case 'usage':
        this.reported = part.usage;
        return;
      case 'text-delta':
      case 'refusal-delta':
        this.characters += textLength(part.delta);
        return;
      case 'reasoning-delta':
        this.characters += textLength(part.delta);
        this.reasoningCharacters += textLength(part.delta);
        return;
      case 'tool-call-start':
        this.characters += textLength(part.id) + textLength(part.name);
        return;
      case 'tool-call-delta':
        this.characters += textLength(part.argumentsDelta);
        return;
      default:
    }
  }

  /** Counts one part of a whole answer, as the deltas that would have streamed it. */
  addContent(part: AssistantContentPart): void {
    this.started = true;
    switch (part.type) {
      case 'text':
      case 'refusal':
        this.characters += textLength(part.text);
        return;
      case 'reasoning':
        this.characters += textLength(part.text);
        this.reasoningCharacters += textLength(part.text);
        return;
      case 'tool-call':
        this.characters += textLength(part.id) + textLength(part.name) + textLength(part.arguments);
    }
  }

  /**
   * The usage to bill: undefined when the provider sent nothing at all. Once the
   * stream began the prompt was read, so its tokens count even if no output came.
   */
  usage(request: ChatRequest | undefined): Usage | undefined {
    if (!this.started) return undefined;
    const reported = this.reported;
    const estimatedOutput = Math.ceil(this.characters / CHARACTERS_PER_TOKEN);
    const estimatedReasoning = Math.ceil(this.reasoningCharacters / CHARACTERS_PER_TOKEN);
    const inputTokens = reported && reported.inputTokens > 0 ? reported.inputTokens : billableInput(reported, this.promptTokens(request));
    const usage: Usage = { ...reported, inputTokens, outputTokens: Math.max(reported?.outputTokens ?? 0, estimatedOutput) };
    const reasoningTokens = Math.max(reported?.reasoningTokens ?? 0, estimatedReasoning);
    if (reasoningTokens > 0) usage.reasoningTokens = Math.min(reasoningTokens, usage.outputTokens);
    return usage;
  }

  private promptTokens(request: ChatRequest | undefined): number {
    if (request === undefined) return 0;
    if (this.promptEstimate?.request !== request) this.promptEstimate = { request, tokens: estimatePromptTokens(request) };
    return this.promptEstimate.tokens;
  }
}

/**
 * A whole answer with the usage to bill: the upstream's when it gave one it could
 * read (the same object, nothing made), else the estimate of the same content had it
 * been streamed without usage: the prompt estimate and four characters a token of
 * what was answered. A count of 0 is unknown as in a stream: an input of 0 is the
 * prompt estimate, an output of 0 for an answer with content its estimate. Never 0
 * for an answer the upstream did produce.
 */
export function withBillableUsage(response: UpstreamChatResponse, request: ChatRequest): ChatResponse {
  if (response.usage === undefined) response.usage = estimated(estimateAnswerUsage(request, response.content));
  // An output of 0 for an answer with content is unknown (Anthropic's output_tokens left out): estimated as the
  // same answer streamed is, beside the counts the upstream did give.
  else if (response.usage.outputTokens === 0 && response.content.length > 0) response.usage = estimated(estimateAnswerUsage(request, response.content, response.usage));
  // An input of 0 is unknown (Anthropic's input_tokens left out), as in a stream (GeneratedOutput).
  else if (response.usage.inputTokens === 0) response.usage = estimated({ ...response.usage, inputTokens: billableInput(response.usage, estimatePromptTokens(request)) });
  // The usage is set now: the one difference between the two types.
  return response as ChatResponse;
}

/**
 * The usage of a whole answer whose upstream usage was missing or unreadable (GeneratedOutput
 * over its content), or held no output count (`reported`, taken as a stream's early counts).
 */
export function estimateAnswerUsage(request: ChatRequest, content: readonly AssistantContentPart[], reported?: Usage): Usage {
  const output = new GeneratedOutput();
  if (reported) output.add({ type: 'usage', usage: reported, partial: true });
  for (const part of content) output.addContent(part);
  // An empty answer is still an answer: its prompt was read.
  return output.usage(request) ?? { inputTokens: estimatePromptTokens(request), outputTokens: 0 };
}

/**
 * The input to bill when the upstream reported none, or 0 (Anthropic's input_tokens left
 * out): the prompt's estimate, and never less than the cache counts the upstream did give.
 */
function billableInput(reported: Usage | undefined, promptTokens: number): number {
  const cacheCounts = (reported?.cachedInputTokens ?? 0) + (reported?.cacheWriteInputTokens ?? 0);
  return Math.max(promptTokens, cacheCounts);
}
