import type { DialectStreamEncoder, FinishReason, GatewayError, SseEvent, StreamEncoderOptions, StreamPart, Usage } from '@switchyard/core';
import { formatGeminiError } from './format-gemini-error.js';
import { toArgs } from './format-generate-content-response.js';
import type { GeminiPart, GeminiResponse } from './gemini-wire-types.js';
import { mapFinishReason } from './map-finish-reason.js';
import { toUsageMetadata } from './to-usage-metadata.js';

/**
 * Writes canonical stream parts as Gemini's `alt=sse` stream: bare `data:` events,
 * each a whole `GenerateContentResponse`, no end sentinel (the stream ends when the
 * connection does). Text goes out as it comes; a function call goes out whole in one
 * chunk (Gemini never streams arguments), with the finish reason and final usage on
 * the last chunk, as Gemini sends them.
 */
export class GeminiStreamEncoder implements DialectStreamEncoder {
  private responseId: string;
  private modelVersion: string;
  /**
   * Each call by its index, written in index order at the end. A Map: an index is what the
   * upstream numbered the call (up to 2^53), and a sparse array that long was walked whole.
   */
  private readonly calls = new Map<number, { id: string; name: string; arguments: string }>();
  private finishReason: FinishReason | undefined;
  private usage: Usage | undefined;

  constructor(private readonly options: StreamEncoderOptions) {
    this.responseId = `resp_${options.requestId}`;
    this.modelVersion = options.model;
  }

  encode(part: StreamPart): readonly SseEvent[] {
    switch (part.type) {
      case 'stream-start':
        if (part.id) this.responseId = part.id;
        if (part.model) this.modelVersion = this.options.modelPrefix + part.model;
        return [];
      case 'text-delta':
      case 'refusal-delta':
        return part.delta === '' ? [] : [JSON.stringify(this.chunk([{ text: part.delta }]))];
      case 'reasoning-delta':
        return part.delta === '' ? [] : [JSON.stringify(this.chunk([{ text: part.delta, thought: true }]))];
      case 'reasoning-signature':
      case 'reasoning-redacted':
        // Anthropic's thinking signature and encrypted thinking have no Gemini form.
        return [];
      case 'tool-call-start':
        this.calls.set(part.index, { id: part.id, name: part.name, arguments: '' });
        return [];
      case 'tool-call-delta': {
        const call = this.calls.get(part.index);
        if (call) call.arguments += part.argumentsDelta;
        return [];
      }
      case 'finish':
        this.finishReason = part.finishReason;
        return [];
      case 'usage':
        this.usage = part.usage;
        return [];
    }
  }

  finish(): readonly SseEvent[] {
    const calls = [...this.calls].sort(([a], [b]) => a - b);
    const parts: GeminiPart[] = calls.map(([, call]) => ({ functionCall: { id: call.id, name: call.name, args: toArgs(call.arguments) } }));
    const last = this.chunk(parts, mapFinishReason(this.finishReason ?? { unified: 'stop' }));
    if (this.usage) last.usageMetadata = toUsageMetadata(this.usage);
    return [JSON.stringify(last)];
  }

  /** Gemini's stream error: the error envelope as one more `data:` event, then the stream closes. */
  fail(error: GatewayError): SseEvent {
    const { body } = formatGeminiError(error, this.options.requestId);
    return JSON.stringify(body);
  }

  private chunk(parts: GeminiPart[], finishReason?: string): GeminiResponse {
    return {
      candidates: [{ content: { role: 'model', parts }, ...(finishReason !== undefined && { finishReason }), index: 0 }],
      modelVersion: this.modelVersion,
      responseId: this.responseId,
    };
  }
}
