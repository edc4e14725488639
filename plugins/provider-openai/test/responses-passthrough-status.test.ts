import { openAIResponsesDialect, type ServerSentEvent, type SseEvent } from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseResponsesResponse } from '../src/responses/parse-responses-response.js';
import { createResponsesStreamDecoder } from '../src/responses/responses-stream-decoder.js';

/**
 * A Responses API answer's final `status` and `incomplete_details` through this
 * adapter's real tap (its Responses decoder) into the fast path's pass-through, against
 * the same decoder's parts written by the translated path's Responses encoder: a client
 * reads what the translated path writes for any value OpenAI does not define, and a
 * defined one as the upstream wrote it (docs/fast-path.md).
 */

const statuses = ['completed', 'failed', 'in_progress', 'cancelled', 'queued', 'incomplete'];
const reasons = ['max_output_tokens', 'content_filter'];
const isDefined = (status: unknown, details: unknown) =>
  typeof status === 'string' &&
  statuses.includes(status) &&
  (details === null || details === undefined ? status !== 'incomplete' : typeof details === 'object' && !Array.isArray(details) && reasons.includes((details as { reason?: unknown }).reason as string));

const anyStatus = fc.oneof(fc.constantFrom(...statuses, 'done', '', 'toString'), fc.jsonValue());
const anyDetails = fc.oneof(fc.constant(null), fc.record({ reason: fc.oneof(fc.constantFrom(...reasons, 'model_length', '__proto__'), fc.jsonValue()) }), fc.jsonValue());
const options = { requestId: 'req_1', model: 'openai/gpt-4o-mini', modelPrefix: 'openai/', includeUsage: true, billedUsage: () => ({ inputTokens: 41, outputTokens: 9 }) };
const sse = (data: string, name: string): ServerSentEvent => ({ event: name, data, id: undefined });
const named = (event: SseEvent) => event as { event: string; data: string };

function response(status: unknown, details: unknown, hasStatus: boolean): Record<string, unknown> {
  return {
    id: 'resp_up',
    object: 'response',
    created_at: 1,
    ...(hasStatus && { status }),
    incomplete_details: details,
    model: 'gpt-4o-mini',
    output: [{ id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello', annotations: [] }] }],
    usage: { input_tokens: 41, output_tokens: 9, total_tokens: 50 },
  };
}

function events(finalType: string, status: unknown, details: unknown, hasStatus: boolean): ServerSentEvent[] {
  const start = { ...response('in_progress', null, true), output: [], usage: null };
  return [
    sse(JSON.stringify({ type: 'response.created', sequence_number: 0, response: start }), 'response.created'),
    sse(JSON.stringify({ type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hello' }), 'response.output_text.delta'),
    sse(JSON.stringify({ type: finalType, sequence_number: 2, response: response(status, details, hasStatus) }), finalType),
  ];
}

/** The final event as each path writes it: its name, and its Response's status and details. */
function finalOf(written: readonly SseEvent[]) {
  const last = named(written.at(-1)!);
  const data = JSON.parse(last.data) as { type: string; response: Record<string, unknown> };
  return { event: last.event, type: data.type, status: data.response['status'], incomplete_details: data.response['incomplete_details'] };
}

describe('a Responses final status through the Responses tap', () => {
  it('property: the pass-through writes what the translated path writes for a value OpenAI does not define, and a defined one as it came', () => {
    fc.assert(
      fc.property(fc.constantFrom('response.completed', 'response.incomplete'), anyStatus, anyDetails, fc.boolean(), (finalType, status, details, hasStatus) => {
        const stream = events(finalType, status, details, hasStatus);
        const fastEncoder = openAIResponsesDialect.passthrough!.createStreamEncoder(options);
        const fastDecoder = createResponsesStreamDecoder('openai');
        const fast = stream.flatMap((event) => fastEncoder.encode({ event, parts: fastDecoder.decode(event) }));
        const translatedEncoder = openAIResponsesDialect.createStreamEncoder(options);
        const translatedDecoder = createResponsesStreamDecoder('openai');
        const translated = [...stream.flatMap((event) => translatedDecoder.decode(event).flatMap((part) => translatedEncoder.encode(part))), ...translatedEncoder.finish()];
        const expected = hasStatus && isDefined(status, details) ? { event: finalType, type: finalType, status, incomplete_details: details } : finalOf(translated);
        expect(finalOf(fast)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('property: a whole Response reads the same way (a failed one is an error)', () => {
    fc.assert(
      fc.property(anyStatus, anyDetails, fc.boolean(), (status, details, hasStatus) => {
        const body = response(status, details, hasStatus);
        // A failed Response is an error, as `response.failed` is in a stream (test/secret-leak-responses.test.ts).
        if (hasStatus && status === 'failed') {
          expect(() => parseResponsesResponse(body, 'openai')).toThrow(expect.objectContaining({ code: 'upstream_server_error' }));
          return;
        }
        const parsed = { ...parseResponsesResponse(body, 'openai'), usage: { inputTokens: 41, outputTokens: 9 } };
        const fast = openAIResponsesDialect.passthrough!.formatResponse(body, parsed, 'openai/gpt-4o-mini') as Record<string, unknown>;
        const translated = openAIResponsesDialect.formatResponse(parsed, 'openai/gpt-4o-mini') as unknown as Record<string, unknown>;
        const read = (answer: Record<string, unknown>) => ({ status: answer['status'], incomplete_details: answer['incomplete_details'] });
        expect(read(fast)).toEqual(hasStatus && isDefined(status, details) ? { status, incomplete_details: details } : read(translated));
      }),
      { numRuns: 500 },
    );
  });
});
