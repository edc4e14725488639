import type { SseEvent } from '@switchyard/core';
import { testIngressDialect, type ClientView } from '@switchyard/testing';
import { geminiDialect, streamRouteName } from '../src/index.js';

// The ingress suite every dialect runs. A Gemini request's model and stream flag are
// in the URL: the target writes a logical request ({ model, stream, body }) and
// `toCall` splits it into the body and the route, path parameters and query.

const weatherSchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

interface LogicalRequest extends Record<string, unknown> {
  model?: string;
  stream: boolean;
  body: { contents: unknown[] } & Record<string, unknown>;
}

function readUsage(metadata: Record<string, number> | undefined) {
  return {
    inputTokens: metadata?.['promptTokenCount'] ?? 0,
    outputTokens: (metadata?.['candidatesTokenCount'] ?? 0) + (metadata?.['thoughtsTokenCount'] ?? 0),
  };
}

/** Gemini's clients read a STOP with function calls as a tool turn. */
function unified(finishReason: string, hasCalls: boolean): string {
  if (finishReason === 'STOP') return hasCalls ? 'tool-calls' : 'stop';
  return { MAX_TOKENS: 'length', SAFETY: 'content-filter' }[finishReason] ?? 'other';
}

type Candidate = { content: { parts: Array<Record<string, any>> }; finishReason?: string };

function readCandidate(candidate: Candidate, view: ClientView): void {
  for (const part of candidate.content.parts) {
    if (typeof part['text'] === 'string' && part['thought'] !== true) view.text += part['text'];
    if (part['functionCall']) view.toolCalls.push({ id: part['functionCall'].id, name: part['functionCall'].name, input: part['functionCall'].args });
  }
}

testIngressDialect({
  dialect: geminiDialect,
  textRequest: (model, text, stream): LogicalRequest => ({ model, stream, body: { contents: [{ role: 'user', parts: [{ text }] }] } }),
  toolRequest: (model, text): LogicalRequest => ({
    model,
    stream: false,
    body: {
      contents: [{ role: 'user', parts: [{ text }] }],
      tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: weatherSchema }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
    },
  }),
  toolResultRequest: (model): LogicalRequest => ({
    model,
    stream: false,
    body: {
      contents: [
        { role: 'user', parts: [{ text: 'Paris?' }] },
        { role: 'model', parts: [{ functionCall: { id: 'call_1', name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { id: 'call_1', name: 'get_weather', response: { temperature: 18 } } }] },
      ],
    },
  }),
  toCall(request) {
    const { model, stream, body } = request as LogicalRequest;
    return {
      body,
      request: {
        route: stream ? streamRouteName : 'generateContent',
        params: model === undefined ? {} : { model },
        query: stream ? { alt: 'sse' } : {},
      },
    };
  },
  withMessages(request, count) {
    const logical = request as LogicalRequest;
    return { ...logical, body: { ...logical.body, contents: Array.from({ length: count }, () => logical.body.contents.at(-1)) } };
  },
  readResponse(body) {
    const response = body as { candidates: Candidate[]; usageMetadata: Record<string, number> };
    const view: ClientView = { text: '', toolCalls: [], finish: '', usage: readUsage(response.usageMetadata) };
    readCandidate(response.candidates[0]!, view);
    view.finish = unified(response.candidates[0]!.finishReason!, view.toolCalls.length > 0);
    return view;
  },
  readStream(events: readonly SseEvent[]) {
    // What Google's JS SDK does: append each chunk's parts, keep the last usageMetadata and finishReason.
    const view: ClientView = { text: '', toolCalls: [], finish: '', usage: { inputTokens: 0, outputTokens: 0 } };
    let finishReason = '';
    for (const event of events) {
      if (typeof event !== 'string') throw new Error('Gemini streams have no named events');
      const chunk = JSON.parse(event) as { candidates?: Candidate[]; usageMetadata?: Record<string, number>; error?: { message: string; code: number; status: string } };
      if (chunk.error) {
        view.error = chunk.error.message;
        break;
      }
      const candidate = chunk.candidates?.[0];
      if (candidate) readCandidate(candidate, view);
      if (candidate?.finishReason) finishReason = candidate.finishReason;
      if (chunk.usageMetadata) view.usage = readUsage(chunk.usageMetadata);
    }
    if (finishReason) view.finish = unified(finishReason, view.toolCalls.length > 0);
    return view;
  },
  readError: (body) => {
    const error = (body as { error: { code: number; message: string; status: string } }).error;
    if (typeof error.code !== 'number' || typeof error.status !== 'string') throw new Error('not a google.rpc.Status envelope');
    return { message: error.message };
  },
});
