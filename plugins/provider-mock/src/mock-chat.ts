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
import { failureError, pickFailure } from './mock-failure.js';
import { mockBehaviourSchema, type MockBehaviour, type MockOptions } from './mock-options.js';

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
      for (const part of streamParts(reply)) {
        await abortableDelay(behaviour.chunk_delay_ms, call.signal);
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
  if (failure) throw failureError(failure, behaviour);
  const id = `chatcmpl-mock${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const { reply, truncated } = limitReply(composeReply(call.request, id), call.request.maxOutputTokens ?? mockMaxOutputTokens);
  const usage: Usage = { inputTokens: estimatePromptTokens(call.request.messages), outputTokens: replyTokens(reply) };
  return { behaviour, reply, usage, id, truncated };
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

/** Cuts text answers at the output limit, as a model stops at `max_tokens`. */
function limitReply(reply: AssistantContentPart[], maxTokens: number): { reply: AssistantContentPart[]; truncated: boolean } {
  const maxCharacters = maxTokens * 4;
  let truncated = false;
  const limited = reply.map((part) => {
    if (part.type !== 'text' || part.text.length <= maxCharacters) return part;
    truncated = true;
    return { ...part, text: part.text.slice(0, maxCharacters) };
  });
  return { reply: limited, truncated };
}

function finishReasonOf(reply: AssistantContentPart[], truncated: boolean): ChatResponse['finishReason'] {
  if (truncated) return { unified: 'length', raw: 'length' };
  return reply.some((part) => part.type === 'tool-call')
    ? { unified: 'tool-calls', raw: 'tool_calls' }
    : { unified: 'stop', raw: 'stop' };
}

function replyTokens(reply: AssistantContentPart[]): number {
  let tokens = 0;
  for (const part of reply) tokens += estimateTokens(part.type === 'tool-call' ? part.name + part.arguments : part.text);
  return Math.max(1, tokens);
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
