import { pino, type Logger } from 'pino';

/** Loggers made by createLogger: plain pino, whose every option is known (see lineWriter). */
const plainLoggers = new WeakSet<Logger>();

/** Marks a logger createLogger made, so lineWriter may write its lines itself. */
export function markPlainLogger(logger: Logger): void {
  plainLoggers.add(logger);
}

/** One info line with `fields` at its top level, as `logger.info(fields, message)` writes it. */
export type LineWriter = (fields: object) => void;

interface PinoInternals {
  [pino.symbols.streamSym]: { write(line: string): unknown; [pino.symbols.needsMetadataGsym]?: boolean };
  [pino.symbols.chindingsSym]: string;
}

/**
 * A writer for one frequent info line (the per-request line). On a logger that
 * createLogger made, the line is serialised with one `JSON.stringify` of the flat
 * `fields` and handed to the logger's destination: the same bytes pino writes, without
 * its per-key formatting (a string and a concatenation per key, several KB a request).
 * Any other logger (an embedder's, a child, one with a stream that routes by level)
 * gets `logger.info(fields, message)`.
 *
 * The line skips pino's redaction: `fields` must hold no key named in
 * `redactedLogPaths` (a test checks the request line's keys), and no serializer runs.
 */
export function lineWriter(logger: Logger, message: string): LineWriter {
  const viaPino: LineWriter = (fields) => logger.info(fields, message);
  if (!plainLoggers.has(logger)) return viaPino;
  const internals = logger as unknown as PinoInternals;
  const stream = internals[pino.symbols.streamSym];
  if (stream[pino.symbols.needsMetadataGsym] === true) return viaPino;
  const head = `{"level":${logger.levels.values['info']},"time":"`;
  const afterTime = `"${internals[pino.symbols.chindingsSym]},`;
  const tail = `"msg":${JSON.stringify(message)}}\n`;
  return (fields) => {
    if (!logger.isLevelEnabled('info')) return;
    const body = JSON.stringify(fields);
    const inner = body.length > 2 ? `${body.slice(1, -1)},` : '';
    stream.write(head + new Date().toISOString() + afterTime + inner + tail);
  };
}
