import { createHash } from 'node:crypto';
import type { DirectEmbeddingsOperation } from '@switchyard/core';
import { abortableDelay } from './abortable-delay.js';
import { estimateTokens } from './estimate-tokens.js';
import { failureError, pickFailure } from './mock-failure.js';
import type { MockOptions } from './mock-options.js';

const defaultDimensions = 8;

/** Deterministic unit vectors from a hash of each input: equal inputs, equal vectors. */
export function createMockEmbeddings(options: MockOptions): DirectEmbeddingsOperation {
  return {
    async embed(call) {
      await abortableDelay(options.latency_ms, call.signal);
      const failure = pickFailure(options);
      if (failure) throw failureError(failure, options);
      const dimensions = call.request.dimensions ?? defaultDimensions;
      const inputs = call.request.input.map((item) => (typeof item === 'string' ? item : item.join(',')));
      return {
        model: call.model,
        embeddings: inputs.map((text) => vectorFor(text, dimensions)),
        usage: { inputTokens: inputs.reduce((sum, text) => sum + estimateTokens(text), 0) },
      };
    },
  };
}

function vectorFor(text: string, dimensions: number): number[] {
  const values: number[] = [];
  let block = createHash('sha256').update(text).digest();
  while (values.length < dimensions) {
    for (let offset = 0; offset + 2 <= block.length && values.length < dimensions; offset += 2) {
      values.push(block.readUInt16BE(offset) / 32768 - 1);
    }
    block = createHash('sha256').update(block).digest();
  }
  const norm = Math.hypot(...values) || 1;
  // Rounded to float32 so the float and base64 encodings carry the same numbers.
  return values.map((value) => Math.fround(value / norm));
}
