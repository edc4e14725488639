import type { AssistantContentPart, ChatResponse, StreamPart } from '@switchyard/core';

/**
 * The whole response a finished stream amounts to, so a non-streaming client can
 * be served from an entry a streaming request stored. Consecutive deltas of one
 * kind join into one content part; tool-call arguments join per call index.
 *
 * With `deltas`, also the length of every delta each content part was joined from
 * (`deltas[i]` for `content[i]`; a tool call's are its arguments'), which
 * responseToStreamParts cuts the part at again: the stream's own deltas.
 */
export function streamPartsToResponse(parts: readonly StreamPart[], deltas?: number[][]): ChatResponse {
  const response: ChatResponse = {
    id: '',
    model: '',
    created: 0,
    content: [],
    finishReason: { unified: 'other' },
    usage: { inputTokens: 0, outputTokens: 0 },
  };
  /** Each tool call by its stream index, with where it sits in `content` (for `deltas`). */
  const toolCalls = new Map<number, { call: Extract<AssistantContentPart, { type: 'tool-call' }>; at: number }>();
  // An empty delta carries nothing and is not kept: each length kept is at least 1 (see cutAt).
  const push = (part: AssistantContentPart, firstDelta?: string) => {
    deltas?.push(firstDelta ? [firstDelta.length] : []);
    response.content.push(part);
  };
  const append = (type: 'text' | 'reasoning' | 'refusal', delta: string) => {
    const last = response.content.at(-1);
    // A signature closes its reasoning block: what follows is another.
    if (last?.type === type && !(last.type === 'reasoning' && (last.signature !== undefined || last.redactedData !== undefined))) {
      last.text += delta;
      if (delta) deltas?.at(-1)!.push(delta.length);
    } else push({ type, text: delta }, delta);
  };
  for (const part of parts) {
    switch (part.type) {
      case 'stream-start':
        response.id = part.id;
        response.model = part.model;
        response.created = part.created;
        if (part.providerMetadata) response.providerMetadata = part.providerMetadata;
        break;
      case 'text-delta':
        append('text', part.delta);
        break;
      case 'reasoning-delta':
        append('reasoning', part.delta);
        break;
      case 'refusal-delta':
        append('refusal', part.delta);
        break;
      case 'reasoning-signature': {
        const last = response.content.at(-1);
        if (last?.type === 'reasoning' && last.signature === undefined && last.redactedData === undefined) last.signature = part.signature;
        else push({ type: 'reasoning', text: '', signature: part.signature });
        break;
      }
      case 'reasoning-redacted':
        push({ type: 'reasoning', text: '', redactedData: part.data });
        break;
      case 'tool-call-start': {
        const call = { type: 'tool-call' as const, id: part.id, name: part.name, arguments: '' };
        toolCalls.set(part.index, { call, at: response.content.length });
        push(call);
        break;
      }
      case 'tool-call-delta': {
        const open = toolCalls.get(part.index);
        if (!open) break;
        open.call.arguments += part.argumentsDelta;
        if (part.argumentsDelta) deltas?.[open.at]!.push(part.argumentsDelta.length);
        break;
      }
      case 'finish':
        response.finishReason = part.finishReason;
        break;
      case 'usage':
        response.usage = part.usage;
        break;
    }
  }
  return response;
}
