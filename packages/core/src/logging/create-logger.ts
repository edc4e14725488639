import fs from 'node:fs';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { markPlainLogger } from './line-writer.js';
import { serializeError } from './serialize-error.js';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out. Request bodies, headers and configs are never logged
 * whole; these catch the places a key could still slip in. No wildcards: they
 * make redaction cost grow with every line logged, and one line is logged per
 * request.
 */
export const redactedLogPaths = [
  'authorization',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'headers["x-goog-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'api_key',
  'apiKey',
  'master_key',
  'key',
  'secret',
  'secret_access_key',
  'session_token',
  'options.api_key',
  'config.master_key',
];

export interface LoggerSettings {
  level?: string;
  /** Fields every line carries after `service` (a cluster worker's `worker` id). */
  bindings?: Record<string, string | number>;
  /** Where lines go; defaults to stdout through pino's asynchronous writer. */
  destination?: DestinationStream;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: 'switchyard', ...settings.bindings },
    redact: { paths: redactedLogPaths, censor: '[REDACTED]' },
    serializers: { err: serializeError },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (settings.destination) return plain(pino(options, settings.destination));
  // Lines are gathered up to 4 KB before a write: one write for many requests, not
  // one each. A quiet gateway still shows its lines within a second, and pino
  // flushes what is pending on exit and on `logger.flush()`.
  // Past maxPendingLogBytes not yet taken by stdout (a reader that stopped reading), lines are dropped:
  // they were held in memory without bound. The drops are counted and said once stdout has room.
  const destination = pino.destination({ sync: false, minLength: 4096, maxLength: maxPendingLogBytes });
  boundFlushSync(destination);
  const logger = plain(pino(options, destination));
  const dropped = countDrops(destination);
  setInterval(() => {
    dropped.tell(logger);
    try {
      destination.flush();
    } catch {
      // Not open yet, or already closed at exit: nothing to flush.
    }
  }, 1000).unref();
  return logger;
}

/** How much log output may wait for stdout before lines are dropped. */
export const maxPendingLogBytes = 8 * 1024 * 1024;

/** The warning that says how many lines stdout did not take: `<n> log lines (<bytes> bytes) dropped …`. */
export function droppedLogLinesMessage(lines: number, bytes: number): string {
  return `${lines} log line${lines === 1 ? '' : 's'} (${bytes} bytes) dropped: stdout was not taking them (at most ${maxPendingLogBytes} bytes wait for it)`;
}

/** Counts the lines sonic-boom drops past its maxLength; `tell` logs the count, once it fits. */
function countDrops(destination: ReturnType<typeof pino.destination>): { tell(logger: Logger): void } {
  let lines = 0;
  let bytes = 0;
  let telling = false;
  let toldDropped = false;
  destination.on('drop', (data: string | Buffer) => {
    if (telling) toldDropped = true;
    else {
      lines++;
      bytes += Buffer.byteLength(data);
    }
  });
  return {
    tell(logger) {
      if (lines === 0) return;
      telling = true;
      toldDropped = false;
      try {
        logger.warn({ droppedLines: lines, droppedBytes: bytes }, droppedLogLinesMessage(lines, bytes));
      } finally {
        telling = false;
      }
      // Still no room: said on a later tick, with the lines dropped meanwhile.
      if (toldDropped) return;
      lines = 0;
      bytes = 0;
    },
  };
}

/**
 * pino writes the lines still pending at exit with sonic-boom's flushSync, which retries a
 * failed write every 100 ms for ever unless the error is EAGAIN (and EAGAIN itself for ever).
 * With stdout a pipe whose reader is gone (`switchyard start | head`), every write fails with
 * EPIPE: the process hung in its 'exit' handler after its shutdown, deaf to everything but
 * SIGKILL. Here a write that fails, or keeps failing for a second, gives the rest up: they are
 * lines no one can read. The substitute is in place only while flushSync runs (synchronously).
 */
function boundFlushSync(destination: ReturnType<typeof pino.destination>): void {
  const flushSync = destination.flushSync.bind(destination);
  destination.flushSync = () => {
    type WriteSync = (fd: number, data: string | NodeJS.ArrayBufferView, ...rest: unknown[]) => number;
    const mutableFs = fs as unknown as { writeSync: WriteSync };
    const writeSync = mutableFs.writeSync;
    const giveUpAt = Date.now() + 1000;
    mutableFs.writeSync = (fd, data, ...rest) => {
      try {
        return writeSync(fd, data, ...rest);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code === 'EAGAIN' || code === 'EBUSY') && Date.now() < giveUpAt) throw error;
        // Counted as written: flushSync moves on, and ends once nothing is left.
        return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      }
    };
    try {
      flushSync();
    } finally {
      mutableFs.writeSync = writeSync;
    }
  };
}

function plain(logger: Logger): Logger {
  markPlainLogger(logger);
  return logger;
}
