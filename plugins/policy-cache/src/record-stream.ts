import type { StreamPart } from '@switchyard/core';

/**
 * Passes a stream's parts through unchanged while keeping a copy, and hands the
 * copy to `onComplete` only when the stream ended normally after a `finish` part
 * that is not an error. A stream the client left (iteration returned early), one
 * that threw, or one that grew past `maxBytes` is never handed over. Leaving early
 * still closes the source, so the upstream call is cancelled as before.
 */
export async function* recordStream(
  parts: AsyncIterable<StreamPart>,
  maxBytes: number,
  onComplete: (recorded: StreamPart[]) => void,
): AsyncGenerator<StreamPart, void, undefined> {
  let recorded: StreamPart[] | undefined = [];
  let bytes = 0;
  let finished = false;
  for await (const part of parts) {
    if (recorded) {
      bytes += approximateBytes(part);
      if (bytes > maxBytes) recorded = undefined;
      else recorded.push(part);
    }
    if (part.type === 'finish') finished = part.finishReason.unified !== 'error';
    yield part;
  }
  if (recorded && finished) onComplete(recorded);
}

/** Cheap upper-ish bound of a part's serialized size, without serializing it on every token. */
function approximateBytes(part: StreamPart): number {
  switch (part.type) {
    case 'text-delta':
    case 'reasoning-delta':
    case 'refusal-delta':
      return 40 + part.delta.length * 3;
    case 'tool-call-delta':
      return 60 + part.argumentsDelta.length * 3;
    default:
      return 200;
  }
}
