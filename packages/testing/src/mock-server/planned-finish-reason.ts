import type { MockChatReply } from './mock-script.js';

/**
 * How a planned reply ends, in the provider's words: the script's finish reason
 * wins, then the limit that cut the text, then a tool call or a plain stop.
 */
export function plannedFinishReason<Reason extends string>(
  reasons: Record<NonNullable<MockChatReply['finishReason']>, Reason>,
  scripted: MockChatReply['finishReason'],
  cutBy: Reason | undefined,
  hasToolCalls: boolean,
): Reason {
  if (scripted) return reasons[scripted];
  return cutBy ?? reasons[hasToolCalls ? 'tool_calls' : 'stop'];
}
