import { createLogger, droppedLogLinesMessage, maxPendingLogBytes, type GatewayConfig, type Logger, type LoggerSettings } from '@switchyard/core';

/** Where the logger's lines go and whether a person reads them there. */
export interface LogOutput {
  write(text: string): void;
  isTTY: boolean;
  /** What is written but not yet taken (process.stdout's writableLength); past maxPendingLogBytes, lines are dropped. */
  pending?(): number;
  /** Calls back once everything written is taken (logger.flush's callback waits for it). */
  whenDrained?(callback: () => void): void;
}

/** `auto` is pretty for a person at a terminal and JSON for a pipe, a file or a collector. */
export function chooseLogFormat(format: GatewayConfig['log']['format'], isTTY: boolean): 'json' | 'pretty' {
  if (format === 'auto') return isTTY ? 'pretty' : 'json';
  return format;
}

/**
 * The logger of `switchyard start`: JSON lines (pino's own fast writer), or the
 * same lines made readable with pino-pretty. Redaction happens before either.
 * `bindings` are fields every line carries (a cluster worker's id).
 */
export async function createCliLogger(log: GatewayConfig['log'], output: LogOutput = stdoutOutput(), bindings?: LoggerSettings['bindings']): Promise<Logger> {
  if (chooseLogFormat(log.format, output.isTTY) === 'json') return createLogger({ level: log.level, ...(bindings && { bindings }) });
  // Loaded only when used: JSON logging (servers, CI) never pays for it.
  const { prettyFactory } = await import('pino-pretty');
  const prettify = prettyFactory({
    colorize: output.isTTY,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
  let droppedLines = 0;
  let droppedBytes = 0;
  const write = (line: string) => {
    // A reader that stopped reading (a full pipe): process.stdout held every line in memory, without bound.
    if ((output.pending?.() ?? 0) > maxPendingLogBytes) {
      droppedLines++;
      droppedBytes += Buffer.byteLength(line);
      return;
    }
    if (droppedLines > 0) {
      // Said before the first line that fits again, at the level and in the shape of the JSON writer's.
      const fields = { droppedLines, droppedBytes, msg: droppedLogLinesMessage(droppedLines, droppedBytes) };
      output.write(prettify(JSON.stringify({ level: 40, time: new Date().toISOString(), ...fields })));
      droppedLines = 0;
      droppedBytes = 0;
    }
    output.write(prettify(line));
  };
  // A flush waits for stdout to take the lines: a stop that waited for none exited with writes still pending,
  // which held the process alive for good while stdout's reader was not reading (a full pipe).
  const flush = (callback: () => void) => (output.whenDrained ? output.whenDrained(callback) : callback());
  return createLogger({ level: log.level, ...(bindings && { bindings }), destination: { write, flush } as NonNullable<LoggerSettings['destination']> });
}

/**
 * process.stdout for the pretty lines. Once its reader has gone (`switchyard start | head`) a
 * write fails with EPIPE, an 'error' event no one handled: it crashed the gateway. The lines
 * no one can read are dropped instead (the JSON writer, pino's own, does the same).
 */
function stdoutOutput(): LogOutput {
  let readerGone = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    readerGone = true;
  });
  return {
    write: (text) => {
      if (!readerGone) process.stdout.write(text);
    },
    isTTY: process.stdout.isTTY === true,
    pending: () => process.stdout.writableLength,
    whenDrained: (callback) => {
      if (readerGone || process.stdout.writableLength === 0) callback();
      else process.stdout.once('drain', callback);
    },
  };
}
