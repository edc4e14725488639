import type { OutgoingHttpHeaders } from 'node:http';
import { readFixture } from '../fixtures.js';
import type { MockScript } from './mock-script.js';
import type { ResponseWriter } from './response-writer.js';
import { splitSseEvents } from './split-sse-events.js';

/** How one provider's mock replays a text fixture. */
export interface TextFixtureReplay {
  /** The provider's fixture folder (`openai`, `azure-openai` …). */
  fixtures: string;
  /** Headers laid over the answer's own: the script's, with a request id where the provider sends one. */
  headers?: OutgoingHttpHeaders;
  /** What a stream's `midStreamError` ends with, unless the script names its own. */
  streamErrorWire: string;
  /** The event stream's own headers, where the provider's differ from the writer's. */
  eventStreamHeaders?: OutgoingHttpHeaders;
  /** A JSON answer's own headers. Default: `content-type: application/json`. */
  jsonHeaders?: OutgoingHttpHeaders;
}

const jsonContentType = { 'content-type': 'application/json' };

/**
 * Replays a fixture byte for byte: a `.txt` file as an event stream (one write per
 * event, misbehaving as `script.stream` says), any other as a whole JSON answer.
 */
export async function replayTextFixture(
  writer: ResponseWriter,
  file: string,
  script: Pick<MockScript<string>, 'stream' | 'status'>,
  replay: TextFixtureReplay,
): Promise<void> {
  const text = readFixture(replay.fixtures, file);
  if (file.endsWith('.txt')) {
    await writer.sendEvents(splitSseEvents(text), script.stream, { ...replay.eventStreamHeaders, ...replay.headers }, replay.streamErrorWire);
  } else {
    writer.sendText(script.status ?? 200, text, { ...(replay.jsonHeaders ?? jsonContentType), ...replay.headers });
  }
}
