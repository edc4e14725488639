/**
 * Error cases every mock upstream can act out, each from its provider's
 * `errors.json` fixture. A mock may offer more (OpenAI's `insufficient_quota`,
 * Gemini's `prompt_blocked` …) through its own `ErrorCase` type.
 */
export type CommonErrorCase =
  | 'invalid_key'
  | 'permission_denied'
  | 'bad_request'
  | 'rate_limit'
  | 'overloaded'
  | 'server_error'
  | 'context_length_exceeded';

/** Names of the error cases in the OpenAI fixture `errors.json`. */
export type OpenAIErrorCaseName = CommonErrorCase | 'insufficient_quota';

/** How a scripted Server-Sent Events stream misbehaves on the wire. */
export interface MockStreamOptions {
  /** Pause between two writes, in milliseconds. Without it the mock still yields to the event loop between events. */
  chunkDelayMs?: number;
  /** Write this many events, then destroy the socket: no `[DONE]`, no clean end of the chunked body. */
  cutAfterEvents?: number;
  /** Write this many events, then nothing more: the connection is held open, silent, until the client leaves. */
  stallAfterEvents?: number;
  /**
   * Write each event in pieces: `true` cuts inside every multi-byte UTF-8 character
   * (or, when an event has none, in its middle); a number writes pieces of that many bytes.
   */
  splitBytes?: boolean | number;
  /** After `errorAfterEvents` events, write the fixture's in-stream error event and end without `[DONE]`. */
  midStreamError?: boolean;
  /** Events written before the `midStreamError` event. Default 2. */
  errorAfterEvents?: number;
  /**
   * The in-stream error written for `midStreamError`, as raw wire text in the
   * provider's format (`data: {"error":…}\n\n`), instead of the fixture's: for
   * errors that quote what a test wants quoted.
   */
  errorWire?: string;
  /** Write the events (and the `midStreamError` event) in one write, so the client reads them in one network chunk. */
  sameWrite?: boolean;
  /**
   * An endless stream: write the events up to this index, then that event again
   * and again (each after `chunkDelayMs`) until the client goes away.
   */
  repeatEvent?: number;
}

/** A tool call a script makes the assistant say. */
export interface MockToolCall {
  name: string;
  /** A JSON string, or an object the mock serializes. Default `{}`. */
  arguments?: string | Record<string, unknown>;
  /** Default: a fresh `call_…` id. */
  id?: string;
}

/** What a script makes the default chat responder say instead of the echo. */
export interface MockChatReply {
  /** Assistant text; `null` for none. Ignored fields keep the default reply. */
  content?: string | null;
  /** Reasoning the model shows before answering (Anthropic thinking, Gemini thoughts); not every mock renders it. */
  reasoning?: string;
  /** Tool calls; when set, the content defaults to `null`. */
  toolCalls?: MockToolCall[];
  /** Default: `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /** Overrides of the estimated usage, in OpenAI's field names. */
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    cached_tokens?: number;
    /** Prompt tokens written to the cache (Anthropic's `cache_creation_input_tokens`); mocks without the notion ignore it. */
    cache_write_tokens?: number;
    /** Of the cache writes, those kept for an hour (Anthropic's `cache_creation.ephemeral_1h_input_tokens`); the rest are 5-minute writes. */
    cache_write_1h_tokens?: number;
    reasoning_tokens?: number;
  };
}

/**
 * One scripted answer. Each queued script answers exactly one request, first in,
 * first out, skipping scripts whose `match` does not fit. The first of `hang`,
 * `error`, `fixture`, `status`/`body` that is set decides the answer; otherwise the
 * default responder answers, shaped by `reply`, `stream` and `headers`.
 */
export interface MockScript<ErrorCase extends string = OpenAIErrorCaseName> {
  /** Only requests that fit take this script. `path` matches with or without the `/v1` prefix. */
  match?: { path?: string; method?: string };
  /** Wait this long before the status line and headers are sent. */
  delayMs?: number;
  /** Accept the request and never answer: for timeout and abort tests. */
  hang?: boolean;
  /** Answer with this case of `errors.json`: its status, headers and body. */
  error?: ErrorCase;
  /** Replay this OpenAI fixture file byte for byte (`.txt` files as an event stream). */
  fixture?: string;
  /** Status of a custom answer; 200 when only `body` is set. */
  status?: number;
  /** Body of a custom answer: a string is sent as is, anything else as JSON. */
  body?: unknown;
  /**
   * With `body`: send the status, the headers (the whole body's content-length) and half
   * the body, then nothing more, the connection held open until the client leaves.
   */
  stallBody?: boolean;
  /**
   * With `body`: send the status, the headers (the whole body's content-length) and half
   * the body, then destroy the connection, the way an upstream that crashed mid-answer does.
   */
  cutBody?: boolean;
  /** Extra response headers (e.g. `retry-after`), laid over whatever the answer sends. */
  headers?: Record<string, string>;
  /** Misbehaviour of a streamed answer (the default stream or a `.txt` fixture). */
  stream?: MockStreamOptions;
  /** Content of the default chat reply. */
  reply?: MockChatReply;
}
