import { randomUUID } from 'node:crypto';
import {
  compileValidator,
  GatewayError,
  type AssistantContentPart,
  type ChatRequest,
  type ChatResponse,
  type DirectChatOperation,
  type ProviderCall,
  type StreamPart,
  type Usage,
} from '@switchyard/core';
import { abortableDelay } from './abortable-delay.js';
import { composeReply } from './compose-reply.js';
import { estimatePromptTokens, estimateTokens } from './estimate-tokens.js';
import { failureError, failureIsClients, pickFailure } from './mock-failure.js';
import { MOCK_CLIENT_MAX_STREAM_DELAY_MS, mockBehaviourSchema, type MockBehaviour, type MockOptions } from './mock-options.js';

const validateBehaviour = compileValidator<MockBehaviour>(mockBehaviourSchema);

/** The mock's chat operation: answers in-process, no network, same contract as a real provider. */
export function createMockChat(options: MockOptions): DirectChatOperation {
  return {
    async complete(call) {
      const { reply, usage, id, truncated } = await prepare(call, options);
      const response: ChatResponse = {
        id,
        model: call.model,
        created: Math.floor(Date.now() / 1000),
        content: reply,
        finishReason: finishReasonOf(reply, truncated),
        usage,
      };
      return response;
    },
    async *stream(call) {
      const { behaviour, reply, usage, id, truncated } = await prepare(call, options);
      yield { type: 'stream-start', id, model: call.model, created: Math.floor(Date.now() / 1000) };
      // A client's delays are bounded in all, not only each: past the bound the rest come without a wait.
      let delayLeft = clientChunkDelay(call.request) ? MOCK_CLIENT_MAX_STREAM_DELAY_MS : Number.POSITIVE_INFINITY;
      for (const part of streamParts(reply)) {
        const delay = Math.min(behaviour.chunk_delay_ms ?? 0, delayLeft);
        delayLeft -= delay;
        await abortableDelay(delay, call.signal);
        yield part;
      }
      yield { type: 'finish', finishReason: finishReasonOf(reply, truncated) };
      yield { type: 'usage', usage };
    },
  };
}

async function prepare(call: ProviderCall<ChatRequest>, options: MockOptions) {
  const behaviour = behaviourFor(call.request, options);
  await abortableDelay(behaviour.latency_ms, call.signal);
  const failure = pickFailure(behaviour);
  if (failure) throw failureError(failure, behaviour, failureIsClients(call.request.providerOptions?.['mock'] as MockBehaviour | undefined, options));
  const id = `chatcmpl-mock${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const maxTokens = call.request.maxOutputTokens ?? mockMaxOutputTokens;
  const { reply, truncated } = limitReply(composeReply(call.request, id, maxTokens * charactersPerToken), maxTokens);
  const usage: Usage = { inputTokens: estimatePromptTokens(call.request.messages), outputTokens: Math.min(maxTokens, replyTokens(reply)) };
  return { behaviour, reply, usage, id, truncated };
}

/** Whether the stream's chunk delay is the client's (`provider_options.mock`), not the YAML's. */
function clientChunkDelay(request: ChatRequest): boolean {
  const perRequest = request.providerOptions?.['mock'];
  return typeof perRequest === 'object' && perRequest !== null && (perRequest as MockBehaviour).chunk_delay_ms !== undefined;
}

/** The YAML's behaviour, overridden per request by `provider_options.mock`. */
function behaviourFor(request: ChatRequest, options: MockOptions): MockBehaviour {
  const perRequest = request.providerOptions?.['mock'];
  if (!perRequest) return options;
  const checked = validateBehaviour(structuredClone(perRequest));
  if (!checked.ok) {
    const problem = checked.problems[0]!;
    throw new GatewayError('invalid_request', `Invalid provider_options.mock${problem.path.replaceAll('/', '.')}: ${problem.message}.`, {
      param: 'provider_options.mock',
    });
  }
  return { ...options, ...checked.value };
}

/** Like a real model's output limit (the price catalog's `max_output` for mock/*). */
const mockMaxOutputTokens = 1024;

const charactersPerToken = 4;

/**
 * Cuts the answer at the output limit, as a model stops at `max_tokens`: text and tool-call
 * arguments alike, the parts sharing the limit in whole tokens (as replyTokens counts them).
 * A tool call past it is dropped; the first is kept, its arguments cut, as a model that
 * stops inside a call's arguments still names the call.
 */
function limitReply(reply: AssistantContentPart[], maxTokens: number): { reply: AssistantContentPart[]; truncated: boolean } {
  let tokensLeft = maxTokens;
  const limited: AssistantContentPart[] = [];
  for (const part of reply) {
    const room = tokensLeft * charactersPerToken;
    if (part.type === 'text') {
      if (part.text.length > room) {
        if (room > 0) limited.push({ ...part, text: part.text.slice(0, room) });
        return { reply: limited, truncated: true };
      }
    } else if (part.type === 'tool-call') {
      const argumentsRoom = room - part.name.length;
      if (part.arguments.length > argumentsRoom) {
        if (limited.length === 0 || argumentsRoom > 0) limited.push({ ...part, arguments: part.arguments.slice(0, Math.max(0, argumentsRoom)) });
        return { reply: limited, truncated: true };
      }
    }
    limited.push(part);
    tokensLeft -= partTokens(part);
  }
  return { reply: limited, truncated: false };
}

function finishReasonOf(reply: AssistantContentPart[], truncated: boolean): ChatResponse['finishReason'] {
  if (truncated) return { unified: 'length', raw: 'length' };
  return reply.some((part) => part.type === 'tool-call')
    ? { unified: 'tool-calls', raw: 'tool_calls' }
    : { unified: 'stop', raw: 'stop' };
}

function replyTokens(reply: AssistantContentPart[]): number {
  let tokens = 0;
  for (const part of reply) tokens += partTokens(part);
  return Math.max(1, tokens);
}

function partTokens(part: AssistantContentPart): number {
  return estimateTokens(part.type === 'tool-call' ? part.name + part.arguments : part.text);
}

/** Splits the reply the way real streams arrive: word by word, arguments in pieces. */
function* streamParts(reply: AssistantContentPart[]): Generator<StreamPart> {
  let toolIndex = 0;
  for (const part of reply) {
    if (part.type === 'text') {
      for (const word of part.text.match(/\s*\S+\s*/g) ?? [part.text]) yield { type: 'text-delta', delta: word };
    } else if (part.type === 'tool-call') {
      const index = toolIndex++;
      yield { type: 'tool-call-start', index, id: part.id, name: part.name };
      const size = Math.max(1, Math.ceil(part.arguments.length / 3));
      for (let offset = 0; offset < part.arguments.length; offset += size) {
        yield { type: 'tool-call-delta', index, argumentsDelta: part.arguments.slice(offset, offset + size) };
      }
    }
  }
}
