import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { requestLine } from '../src/gateway/create-gateway.js';
import type { RequestRecord } from '../src/gateway/request-record.js';
import { createLogger, redactedLogPaths } from '../src/logging/create-logger.js';
import { lineWriter } from '../src/logging/line-writer.js';

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

/** Lines are equal but for the time, which is checked for its shape. */
function withoutTime(line: string): string {
  expect(line).toMatch(/^\{"level":30,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",/);
  return line.replace(/"time":"[^"]+"/, '"time":"T"');
}

const record: RequestRecord = {
  id: 'req_0123456789abcdef0123456789abcdef',
  receivedAt: new Date(),
  endpoint: 'chat',
  keyId: 'key_1',
  team: 'research',
  project: undefined,
  requestedModel: 'smart "quoted" \\ model',
  provider: 'openai',
  model: 'gpt-4o-mini',
  stream: false,
  status: 200,
  errorCode: undefined,
  usage: { inputTokens: 12, outputTokens: 3 },
  costUsd: 0.000123,
  cacheHit: false,
  latencyMs: 12.345,
  firstByteMs: undefined,
  attempts: [{ deployment: { provider: 'openai', model: 'gpt-4o-mini' }, durationMs: 10 }],
};

describe('lineWriter', () => {
  it('writes the request line byte for byte as pino would, on a logger createLogger made', () => {
    const ours = capture();
    const theirs = capture();
    lineWriter(createLogger({ destination: ours.destination }), 'request finished')(requestLine(record));
    createLogger({ destination: theirs.destination }).info(requestLine(record), 'request finished');
    expect(ours.lines).toHaveLength(1);
    expect(withoutTime(ours.lines[0]!)).toBe(withoutTime(theirs.lines[0]!));
    expect(JSON.parse(ours.lines[0]!)).toMatchObject({ service: 'switchyard', requestId: record.id, model: record.requestedModel, attempts: 1, msg: 'request finished' });
  });

  it('matches pino for odd values: control characters, non-finite numbers, nothing but undefined', () => {
    for (const fields of [{ a: 'line\nbreak\u0001', b: Number.NaN, c: Infinity, d: true }, { only: undefined }, {}]) {
      const ours = capture();
      const theirs = capture();
      lineWriter(createLogger({ destination: ours.destination }), 'm')(fields);
      createLogger({ destination: theirs.destination }).info(fields, 'm');
      expect(withoutTime(ours.lines[0]!)).toBe(withoutTime(theirs.lines[0]!));
    }
  });

  it('writes nothing when info is off', () => {
    const out = capture();
    const logger = createLogger({ level: 'warn', destination: out.destination });
    const write = lineWriter(logger, 'request finished');
    write(requestLine(record));
    logger.level = 'info';
    write(requestLine(record));
    expect(out.lines).toHaveLength(1);
  });

  it('leaves any other logger to pino: its redaction, hooks and children apply', () => {
    const out = capture();
    const logger = pino({ redact: ['secret'], hooks: { streamWrite: (line) => line.replace('visible', 'hooked') } }, out.destination);
    lineWriter(logger, 'm')({ secret: 's3cr3t', note: 'visible' });
    lineWriter(createLogger({ destination: out.destination }).child({ requestId: 'r' }), 'm')({ secret: 'x' });
    expect(out.lines[0]).toContain('"secret":"[Redacted]"');
    expect(out.lines[0]).toContain('hooked');
    expect(out.lines[1]).toContain('"requestId":"r"');
    expect(out.lines[1]).toContain('"secret":"[REDACTED]"');
  });

  it('the request line holds no field that redaction would blank out', () => {
    const redactedTopLevel = new Set(redactedLogPaths.map((path) => path.split(/[.[]/)[0]));
    for (const key of Object.keys(requestLine(record))) expect(redactedTopLevel.has(key), key).toBe(false);
  });
});
