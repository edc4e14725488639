import { errorCatalogue, GatewayError, type ChatResponse, type ErrorCode, type SseEvent, type StreamPart } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import type { IngressDialectConformanceTarget } from './ingress-dialect-conformance-target.js';

const limits = { maxMessages: 8, maxModelNameLength: 64 };
const usage = { inputTokens: 21, outputTokens: 9 };

function response(content: ChatResponse['content'], unified: ChatResponse['finishReason']['unified']): ChatResponse {
  return { id: 'resp_1', model: 'model-1', created: 1_700_000_000, content, finishReason: { unified }, usage };
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

/**
 * The one suite every ingress dialect runs: the same canonical answers written in
 * the dialect and read back as its clients read them, the same refusals, the same
 * error statuses. A dialect plugin runs it from its own tests with a target that
 * says how its clients write requests and read answers.
 */
export function testIngressDialect(target: IngressDialectConformanceTarget): void {
  const { dialect } = target;
  // Sends a request the target wrote the way its clients do: all body, or body plus URL.
  const parse = (request: unknown) => {
    if (!target.toCall) return dialect.parse(request, limits);
    const call = target.toCall(request as Record<string, unknown>);
    return dialect.parse(call.body, limits, call.request);
  };
  const withMessages =
    target.withMessages ??
    ((request: Record<string, unknown>, count: number) => {
      const field = target.messagesField ?? 'messages';
      const messages = request[field] as unknown[];
      return { ...request, [field]: Array.from({ length: count }, () => messages.at(-1)) };
    });
  describe(`ingress dialect conformance: ${dialect.name}`, () => {
    it('parses a text request into the canonical request', () => {
      for (const stream of [false, true]) {
        const { request } = parse(target.textRequest('fast', 'Hello there', stream));
        expect(request.model).toBe('fast');
        expect(request.stream).toBe(stream);
        const last = request.messages.at(-1);
        expect(last).toMatchObject({ role: 'user', content: [{ type: 'text', text: 'Hello there' }] });
      }
    });

    it('parses tools, a required tool choice and a tool-result round trip', () => {
      const { request } = parse(target.toolRequest('fast', 'Paris'));
      expect(request.tools?.map((tool) => tool.name)).toEqual(['get_weather']);
      expect(request.toolChoice === undefined ? undefined : request.toolChoice.type).toMatch(/^(required|tool)$/);
      const roundTrip = parse(target.toolResultRequest('fast')).request;
      const call = roundTrip.messages.find((message) => message.role === 'assistant');
      expect(call?.content).toContainEqual({ type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: expect.any(String) });
      expect(roundTrip.messages).toContainEqual({ role: 'tool', toolCallId: 'call_1', content: '{"temperature":18}' });
    });

    const refusals: Array<[string, () => unknown]> = [
      ['a body that is not an object', () => {
        if (!target.toCall) return dialect.parse([1, 2], limits);
        return dialect.parse([1, 2], limits, target.toCall(target.textRequest('fast', 'x', false)).request);
      }],
      ['a request without a model', () => parse({ ...target.textRequest('fast', 'x', false), model: undefined })],
      ['a model name with spaces', () => parse(target.textRequest('a b', 'x', false))],
      ['a model name past the limit', () => parse(target.textRequest('m'.repeat(65), 'x', false))],
      ['more messages than the limit', () => parse(JSON.parse(JSON.stringify(withMessages(target.textRequest('fast', 'x', false), 9))))],
    ];
    it.each(refusals)('refuses %s with invalid_request (400)', (_name, attempt) => {
      const error = thrown(attempt);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ code: 'invalid_request', status: 400 });
    });

    const answers: Array<[string, ChatResponse]> = [
      ['text', response([{ type: 'text', text: 'Bonjour, Paris.' }], 'stop')],
      ['a cut answer', response([{ type: 'text', text: 'Bonjour' }], 'length')],
      ['two tool calls', response([{ type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }, { type: 'tool-call', id: 'call_2', name: 'get_time', arguments: '{"city":"Lyon"}' }], 'tool-calls')],
    ];

    it.each(answers)('writes %s whole, and its clients read it back', (_name, answer) => {
      const view = target.readResponse(JSON.parse(JSON.stringify(dialect.formatResponse(answer, 'mock/model-1'))));
      expect(view).toEqual(expectedView(answer));
    });

    it.each(answers)('streams %s, and its clients read the same answer', (_name, answer) => {
      const encoder = dialect.createStreamEncoder({ requestId: 'req_1', model: 'mock/model-1', modelPrefix: 'mock/', includeUsage: true });
      const events: SseEvent[] = [];
      for (const part of toParts(answer)) events.push(...encoder.encode(part));
      events.push(...encoder.finish());
      expect(target.readStream(events)).toEqual(expectedView(answer));
    });

    it('ends a failed stream with an error event its clients read', () => {
      const encoder = dialect.createStreamEncoder({ requestId: 'req_1', model: 'mock/model-1', modelPrefix: 'mock/', includeUsage: true });
      const events = [...encoder.encode({ type: 'text-delta', delta: 'Bon' }), encoder.fail(new GatewayError('upstream_invalid_response', 'The upstream stream broke off.'))];
      // The message may say more (the Responses API's closed code union keeps the gateway's own code there).
      expect(target.readStream(events)).toMatchObject({ text: 'Bon', error: expect.stringMatching(/^The upstream stream broke off\./) });
    });

    it('answers every catalogue code with its status and a body its clients read, secrets blanked', () => {
      for (const code of Object.keys(errorCatalogue) as ErrorCode[]) {
        const { status, body } = dialect.formatError(new GatewayError(code, `failed with sk-ant-api03-${'a'.repeat(40)}`), 'req_1');
        expect(status, code).toBe(target.errorStatuses?.[code] ?? errorCatalogue[code].status);
        const { message } = target.readError(JSON.parse(JSON.stringify(body)));
        expect(message, code).toMatch(/^failed with /);
        expect(message, code).not.toContain('a'.repeat(40));
      }
    });
  });
}

function expectedView(answer: ChatResponse) {
  return {
    text: answer.content.map((part) => (part.type === 'text' ? part.text : '')).join(''),
    toolCalls: answer.content.flatMap((part) => (part.type === 'tool-call' ? [{ id: part.id, name: part.name, input: JSON.parse(part.arguments) as unknown }] : [])),
    finish: answer.finishReason.unified,
    usage,
  };
}

/** An answer as a provider streams it: metadata, deltas, the finish, then usage. */
function toParts(answer: ChatResponse): StreamPart[] {
  const parts: StreamPart[] = [{ type: 'stream-start', id: answer.id, model: answer.model, created: answer.created }];
  let toolIndex = 0;
  for (const part of answer.content) {
    if (part.type === 'text') for (const word of part.text.split(/(?<= )/)) parts.push({ type: 'text-delta', delta: word });
    if (part.type === 'tool-call') {
      const index = toolIndex++;
      parts.push({ type: 'tool-call-start', index, id: part.id, name: part.name });
      const half = Math.floor(part.arguments.length / 2);
      parts.push({ type: 'tool-call-delta', index, argumentsDelta: part.arguments.slice(0, half) });
      parts.push({ type: 'tool-call-delta', index, argumentsDelta: part.arguments.slice(half) });
    }
  }
  parts.push({ type: 'finish', finishReason: answer.finishReason }, { type: 'usage', usage: answer.usage });
  return parts;
}
