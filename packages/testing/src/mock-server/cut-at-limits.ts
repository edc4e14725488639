import { estimateTokens } from './estimate-tokens.js';

/** A default reply's text after the request's limits, and which limit ended it. */
export interface CutText {
  text: string;
  /** `max_tokens` when the token limit cut it, `stop_sequence` when a stop sequence did; none when neither. */
  cutBy?: 'max_tokens' | 'stop_sequence';
  /** The stop sequence that ended the text (the earliest in it), when one did and the token limit did not. */
  stopSequence: string | null;
}

/**
 * Cuts a reply as an upstream does: before the earliest stop sequence in it, then
 * at `maxTokens` (about four characters a token) when the text is longer.
 */
export function cutAtLimits(text: string, stopSequences: readonly string[], maxTokens: number | undefined): CutText {
  let cutAt = -1;
  let matched: string | null = null;
  for (const sequence of stopSequences) {
    const at = sequence === '' ? -1 : text.indexOf(sequence);
    if (at !== -1 && (cutAt === -1 || at < cutAt)) {
      cutAt = at;
      matched = sequence;
    }
  }
  if (matched !== null) text = text.slice(0, cutAt);
  if (maxTokens !== undefined && estimateTokens(text) > maxTokens) return { text: text.slice(0, maxTokens * 4), cutBy: 'max_tokens', stopSequence: null };
  return matched !== null ? { text, cutBy: 'stop_sequence', stopSequence: matched } : { text, stopSequence: null };
}
