import { createHash } from 'node:crypto';
import { GatewayError, type DirectEmbeddingsOperation } from '@switchyard/core';
import { abortableDelay } from './abortable-delay.js';
import { estimateTokens } from './estimate-tokens.js';
import { failureError, pickFailure } from './mock-failure.js';
import type { MockOptions } from './mock-options.js';

const defaultDimensions = 8;
/**
 * Most numbers one answer may hold (inputs × dimensions), like a real provider's
 * request limits: about 12 MB of JSON. Beyond it the mock refuses as an upstream 400
 * instead of building the answer.
 */
export const MOCK_MAX_EMBEDDING_VALUES = 1 << 20;

/** Deterministic unit vectors from a hash of each input: equal inputs, equal vectors. */
export function createMockEmbeddings(options: MockOptions): DirectEmbeddingsOperation {
  return {
    async embed(call) {
      await abortableDelay(options.latency_ms, call.signal);
      const failure = pickFailure(options);
      if (failure) throw failureError(failure, options);
      const dimensions = call.request.dimensions ?? defaultDimensions;
      if (!Number.isSafeInteger(dimensions) || dimensions < 1 || dimensions * call.request.input.length > MOCK_MAX_EMBEDDING_VALUES) {
        throw new GatewayError(
          'upstream_bad_request',
          `mock: at most ${MOCK_MAX_EMBEDDING_VALUES} embedding values per request (inputs × dimensions)`,
          { provider: 'mock', upstreamStatus: 400, param: 'dimensions' },
        );
      }
      const inputs = call.request.input.map((item) => (typeof item === 'string' ? item : item.join(',')));
      return {
        model: call.model,
        embeddings: inputs.map((text) => vectorFor(text, dimensions)),
        // A token array is its own count, as a real provider bills it; a text, about four characters a token.
        usage: { inputTokens: call.request.input.reduce((sum, item) => sum + (typeof item === 'string' ? estimateTokens(item) : item.length), 0) },
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
  // A loop, not Math.hypot(...values): spreading tens of thousands of arguments overflows the stack.
  let sumOfSquares = 0;
  for (const value of values) sumOfSquares += value * value;
  const norm = Math.sqrt(sumOfSquares) || 1;
  // Rounded to float32 so the float and base64 encodings carry the same numbers.
  return values.map((value) => Math.fround(value / norm));
}
