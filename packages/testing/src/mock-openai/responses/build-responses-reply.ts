import type { PlannedReply } from '../chat/plan-chat-reply.js';
import type { ResponsesRequestView } from './read-responses-request.js';

/** One output item of a Response, in OpenAI's wire shape. */
export type ResponsesOutputItem = Record<string, unknown> & { id: string; type: string };

/** The parts of a mock Response that do not depend on whether it is streamed. */
export interface ResponsesIdentity {
  id: string;
  createdAt: number;
  /** Prefix-free counter for item ids (`msg_mock…`, `fc_mock…`, `rs_mock…`). */
  itemId: (prefix: string) => string;
}

/** The output items a planned reply becomes: reasoning (when scripted), the message, the function calls. */
export function buildResponsesOutput(reply: PlannedReply, reasoning: string | undefined, request: ResponsesRequestView, identity: ResponsesIdentity): ResponsesOutputItem[] {
  const output: ResponsesOutputItem[] = [];
  if (reasoning !== undefined) {
    const include = Array.isArray(request.body['include']) ? request.body['include'] : [];
    output.push({
      id: identity.itemId('rs'),
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: reasoning }],
      ...(include.includes('reasoning.encrypted_content') && { encrypted_content: `gAAAA${Buffer.from(reasoning).toString('base64')}` }),
    });
  }
  if (reply.content !== null) {
    output.push({
      id: identity.itemId('msg'),
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: reply.content, annotations: [], logprobs: [] }],
    });
  }
  for (const call of reply.toolCalls) {
    output.push({ id: identity.itemId('fc'), type: 'function_call', status: 'completed', call_id: call.id, name: call.name, arguments: call.arguments });
  }
  return output;
}

/** A whole Response object (`object: "response"`), echoing the request fields OpenAI echoes. */
export function buildResponseObject(
  request: ResponsesRequestView,
  identity: ResponsesIdentity,
  reply: PlannedReply,
  output: ResponsesOutputItem[],
  status: 'in_progress' | 'completed' | 'incomplete',
): Record<string, unknown> {
  const body = request.body;
  const usage = reply.usage;
  return {
    id: identity.id,
    object: 'response',
    created_at: identity.createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: body['instructions'] ?? null,
    max_output_tokens: body['max_output_tokens'] ?? null,
    model: request.model,
    output,
    parallel_tool_calls: request.parallelToolCalls,
    previous_response_id: body['previous_response_id'] ?? null,
    reasoning: { effort: null, summary: null, ...(body['reasoning'] as object | undefined) },
    service_tier: 'default',
    store: body['store'] !== false,
    temperature: body['temperature'] ?? 1,
    text: body['text'] ?? { format: { type: 'text' } },
    tool_choice: body['tool_choice'] ?? 'auto',
    tools: body['tools'] ?? [],
    top_p: body['top_p'] ?? 1,
    truncation: body['truncation'] ?? 'disabled',
    usage: status === 'in_progress' ? null : {
      input_tokens: usage.prompt_tokens,
      input_tokens_details: { cached_tokens: usage.prompt_tokens_details.cached_tokens },
      output_tokens: usage.completion_tokens,
      output_tokens_details: { reasoning_tokens: usage.completion_tokens_details.reasoning_tokens },
      total_tokens: usage.total_tokens,
    },
    user: body['user'] ?? null,
    metadata: body['metadata'] ?? {},
  };
}
