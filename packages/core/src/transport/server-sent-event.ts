/** One event of a text/event-stream body, as parsed by the SSE decoder. */
export interface ServerSentEvent {
  /** The `event:` field; undefined for data-only streams (OpenAI, Gemini). */
  event: string | undefined;
  data: string;
  id: string | undefined;
}
