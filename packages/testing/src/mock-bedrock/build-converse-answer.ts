import type { PlannedBedrockReply } from './plan-bedrock-reply.js';
import { encodeConverseEvent } from './encode-event-frame.js';

/** The mock's constant latency figure. */
const latencyMs = 42;

/** The whole Converse answer (`response.json` shape). */
export function buildConverseResponse(reply: PlannedBedrockReply): Record<string, unknown> {
  const content: unknown[] = [];
  if (reply.reasoning) content.push({ reasoningContent: { reasoningText: { text: reply.reasoning.text, signature: reply.reasoning.signature } } });
  if (reply.text !== null) content.push({ text: reply.text });
  for (const toolUse of reply.toolUses) content.push({ toolUse });
  return { output: { message: { role: 'assistant', content } }, stopReason: reply.stopReason, usage: reply.usage, metrics: { latencyMs } };
}

/**
 * The ConverseStream answer as binary frames, one per event, in Bedrock's order:
 * `messageStart`, per block its deltas (text split by word, reasoning then its
 * signature, tool input in two fragments after a `contentBlockStart`) and
 * `contentBlockStop`, then `messageStop` and the `metadata` usage. Payloads carry
 * a `p` padding field, as Bedrock's do.
 */
export function buildConverseStreamFrames(reply: PlannedBedrockReply): Buffer[] {
  const frames: Buffer[] = [];
  let count = 0;
  const event = (type: string, payload: Record<string, unknown>) =>
    frames.push(encodeConverseEvent(type, { ...payload, p: padding(count++) }));
  event('messageStart', { role: 'assistant' });
  let index = 0;
  if (reply.reasoning) {
    for (const piece of words(reply.reasoning.text)) event('contentBlockDelta', { contentBlockIndex: index, delta: { reasoningContent: { text: piece } } });
    event('contentBlockDelta', { contentBlockIndex: index, delta: { reasoningContent: { signature: reply.reasoning.signature } } });
    event('contentBlockStop', { contentBlockIndex: index++ });
  }
  if (reply.text !== null) {
    for (const piece of words(reply.text)) event('contentBlockDelta', { contentBlockIndex: index, delta: { text: piece } });
    event('contentBlockStop', { contentBlockIndex: index++ });
  }
  for (const toolUse of reply.toolUses) {
    event('contentBlockStart', { contentBlockIndex: index, start: { toolUse: { toolUseId: toolUse.toolUseId, name: toolUse.name } } });
    const input = JSON.stringify(toolUse.input);
    const middle = Math.ceil(input.length / 2);
    for (const fragment of ['', input.slice(0, middle), input.slice(middle)]) {
      event('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: fragment } } });
    }
    event('contentBlockStop', { contentBlockIndex: index++ });
  }
  event('messageStop', { stopReason: reply.stopReason });
  event('metadata', { usage: reply.usage, metrics: { latencyMs } });
  return frames;
}

// Words with their leading space, so the pieces join back to the text.
function words(text: string): string[] {
  const pieces = text.match(/\s*\S+|\s+$/g) ?? [];
  return pieces.length > 0 ? pieces : [text];
}

function padding(seed: number): string {
  return 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR'.slice(0, 5 + ((seed * 7) % 40));
}
