import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { MockStreamOptions } from '../mock-server/mock-script.js';
import type { ResponseWriter } from '../mock-server/response-writer.js';
import { cutBytesAt } from '../mock-server/split-for-network.js';

/** How a binary stream answer ends when it does not end cleanly. */
export interface FrameStreamEnding {
  /** The exception frame written for `midStreamError`. */
  exceptionFrame: Buffer;
  /** Called right before the mock destroys the connection on purpose, so it is not counted as a client abort. */
  onCut(): void;
}

/**
 * Streams binary event-stream frames, each in its own write after a pause, so they
 * reach the client as separate network chunks. `splitBytes: true` cuts every
 * frame inside its prelude, its headers and its payload (and inside each
 * multi-byte character); a number writes the frames as one byte run in pieces of
 * that size, so pieces also straddle frame boundaries. `cutAfterEvents` destroys
 * the connection after that many frames; `midStreamError` sends the exception
 * frame after `errorAfterEvents` (default 2) and ends.
 */
export async function sendEventFrames(
  res: ServerResponse,
  writer: ResponseWriter,
  frames: readonly Buffer[],
  options: MockStreamOptions,
  headers: OutgoingHttpHeaders,
  ending: FrameStreamEnding,
): Promise<void> {
  if (!writer.isOpen) return;
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', ...headers });
  res.flushHeaders();
  if (options.stallAfterEvents !== undefined) {
    for (const frame of frames.slice(0, options.stallAfterEvents)) {
      if (!(await writer.pause(options.chunkDelayMs))) return;
      res.write(frame);
    }
    // Silent, the connection open, until the client leaves.
    if (!writer.signal.aborted) await new Promise((resolve) => writer.signal.addEventListener('abort', resolve, { once: true }));
    return;
  }
  const cutAt = options.cutAfterEvents;
  const errorAt = options.midStreamError ? (options.errorAfterEvents ?? 2) : undefined;
  const stopAt = Math.min(frames.length, cutAt ?? Infinity, errorAt ?? Infinity);
  const sent = [...frames.slice(0, stopAt)];
  const cut = cutAt !== undefined && cutAt <= (errorAt ?? Infinity);
  if (!cut && errorAt !== undefined) sent.push(ending.exceptionFrame);

  const closed = new Promise<void>((resolve) => {
    if (writer.signal.aborted) resolve();
    else writer.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  let lastWrite: Promise<void> = Promise.resolve();
  for (const piece of pieces(sent, options.splitBytes)) {
    if (!(await writer.pause(options.chunkDelayMs))) return;
    let markWritten: () => void = () => {};
    lastWrite = Promise.race([new Promise<void>((resolve) => (markWritten = resolve)), closed]);
    if (!res.write(piece, () => markWritten())) {
      await Promise.race([new Promise<void>((resolve) => res.once('drain', resolve)), closed]);
    }
  }
  if (cut) {
    // A destroy right after a write would discard it: wait for the bytes to leave first.
    await lastWrite;
    ending.onCut();
    res.destroy();
  } else if (writer.isOpen) {
    res.end();
  }
}

function pieces(frames: readonly Buffer[], splitBytes: MockStreamOptions['splitBytes']): Buffer[] {
  if (typeof splitBytes === 'number') {
    const bytes = Buffer.concat(frames);
    const size = Math.max(1, Math.floor(splitBytes));
    const result: Buffer[] = [];
    for (let start = 0; start < bytes.length; start += size) result.push(bytes.subarray(start, start + size));
    return result;
  }
  if (!splitBytes) return [...frames];
  return frames.flatMap(cutInside);
}

// Inside the prelude, inside the headers, in the middle, and right after each multi-byte lead byte of the payload.
function cutInside(frame: Buffer): Buffer[] {
  const headersEnd = 12 + frame.readUInt32BE(4);
  const cuts = new Set<number>([6, 20, Math.floor(frame.length / 2)]);
  for (let index = headersEnd; index < frame.length - 5; index++) if ((frame[index]! & 0xc0) === 0xc0) cuts.add(index + 1);
  return cutBytesAt(frame, [...cuts].filter((cut) => cut > 0 && cut < frame.length).sort((a, b) => a - b));
}
