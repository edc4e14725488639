import type { PlannedAnthropicReply } from './plan-anthropic-reply.js';

/** The fields every answer and every stream event of one message share. */
export interface MessageIdentity {
  id: string;
  /** The model the client asked for, echoed back. */
  model: string;
}

/** A non-streamed `message`, with the fields of the fixtures `response.json` and `response-tool-call.json`, in their order. */
export function buildAnthropicMessage(identity: MessageIdentity, reply: PlannedAnthropicReply): Record<string, unknown> {
  return {
    id: identity.id,
    type: 'message',
    role: 'assistant',
    model: identity.model,
    content: contentBlocks(reply),
    stop_reason: reply.stopReason,
    stop_sequence: reply.stopSequence,
    usage: reply.usage,
  };
}

function contentBlocks(reply: PlannedAnthropicReply): Array<Record<string, unknown>> {
  const blocks: Array<Record<string, unknown>> = [];
  if (reply.thinking) blocks.push({ type: 'thinking', thinking: reply.thinking.text, signature: reply.thinking.signature });
  if (reply.text !== null) blocks.push({ type: 'text', text: reply.text });
  for (const call of reply.toolUses) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.input });
  return blocks;
}
