import type { ChatRequest } from '../canonical/chat-request.js';
import type { StreamPart } from '../canonical/stream-part.js';
import type { Usage } from '../canonical/usage.js';
import { CHARACTERS_PER_TOKEN, estimatePromptTokens } from './estimate-prompt-tokens.js';

/**
 * What a stream produced so far, for billing a stream that ended before the
 * provider's final usage came (the client left, the upstream broke): the real
 * counts the provider already reported (Anthropic's `message_start` gives the input
 * tokens), and an estimate of the rest, four characters a token like the prompt
 * estimate, over everything streamed: text, reasoning, refusals and tool calls.
 */
export class GeneratedOutput {
  private started = false;
  private characters = 0;
  private reasoningCharacters = 0;
  private reported: Usage | undefined;

  /** Counts one part; a `usage` part is taken as what the provider reported so far. */
  add(part: StreamPart): void {
    this.started = true;
    switch (part.type) {
      case 'usage':
        this.reported = part.usage;
        return;
      case 'text-delta':
      case 'refusal-delta':
        this.characters += part.delta.length;
        return;
      case 'reasoning-delta':
        this.characters += part.delta.length;
        this.reasoningCharacters += part.delta.length;
        return;
      case 'tool-call-start':
        this.characters += part.id.length + part.name.length;
        return;
      case 'tool-call-delta':
        this.characters += part.argumentsDelta.length;
        return;
      default:
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
    const inputTokens = reported && reported.inputTokens > 0 ? reported.inputTokens : request ? estimatePromptTokens(request) : 0;
    const usage: Usage = { ...reported, inputTokens, outputTokens: Math.max(reported?.outputTokens ?? 0, estimatedOutput) };
    const reasoningTokens = Math.max(reported?.reasoningTokens ?? 0, estimatedReasoning);
    if (reasoningTokens > 0) usage.reasoningTokens = Math.min(reasoningTokens, usage.outputTokens);
    return usage;
  }
}
