import type { ErrorCode, IngressDialect, IngressRequestInfo, SseEvent } from '@switchyard/core';

/** An answer as a client of the dialect reads it, whole or streamed. */
export interface ClientView {
  text: string;
  toolCalls: Array<{ id: string; name: string; input: unknown }>;
  /** The finish reason in unified terms: `stop`, `length`, `tool-calls`, `content-filter`. */
  finish: string;
  usage: { inputTokens: number; outputTokens: number };
  /** The message of an in-stream error event, when the stream ended with one. */
  error?: string;
}

/**
 * What {@link testIngressDialect} needs to know about a dialect: the dialect itself,
 * how its clients write the bodies the suite sends, and how they read what comes back.
 */
export interface IngressDialectConformanceTarget {
  dialect: IngressDialect;
  /** The body field holding the conversation (`messages`; the Responses API's `input`); `textRequest` writes it as an array. */
  messagesField?: string;
  /** A body asking `model` to answer the user text `text`, streamed or not. */
  textRequest(model: string, text: string, stream: boolean): Record<string, unknown>;
  /** A body offering one tool `get_weather` (a `city` string) and requiring the model to call it. */
  toolRequest(model: string, text: string): Record<string, unknown>;
  /** A body carrying a call of `get_weather` with id `call_1` and its result `{"temperature":18}`. */
  toolResultRequest(model: string): Record<string, unknown>;
  /** Reads a whole answer the dialect formatted. */
  readResponse(body: unknown): ClientView;
  /** Reads the events of a stream the dialect encoded. */
  readStream(events: readonly SseEvent[]): ClientView;
  /** Reads an error body: its message. */
  readError(body: unknown): { message: string };
  /** Codes the dialect's own API answers with another status than the catalogue's (Anthropic's 529 for `upstream_overloaded`). */
  errorStatuses?: Partial<Record<ErrorCode, number>>;
  /**
   * For a dialect whose URL carries part of the request (the model, streaming): how a
   * request the target wrote is sent, as its body and where it goes (route name, path
   * parameters, query). The suite sets `model` to undefined or to a bad name on what
   * `textRequest` returned to test refusals. Without it, what the target wrote is the
   * body and `parse` gets no request info.
   */
  toCall?(request: Record<string, unknown>): { body: unknown; request: IngressRequestInfo };
  /** The request with `count` copies of its last message, for the message limit; default: repeats the last of `messagesField`. */
  withMessages?(request: Record<string, unknown>, count: number): Record<string, unknown>;
}
