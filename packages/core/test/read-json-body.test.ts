import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { Request, Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { readJsonBody } from '../src/http/read-json-body.js';

const servers: http.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A server running readJsonBody after `delayMs` (so the body is either all there or still arriving) and answering what it made of it. */
async function serve(delayMs: number, limitBytes = 1024): Promise<number> {
  const parse = readJsonBody(limitBytes, { maxDepth: 4, maxKeys: 8 });
  const server = http.createServer((req, res) => {
    const run = () =>
      parse(req as Request, res as unknown as Response, (error?: unknown) => {
        const answer = error ? { error: (error as { code?: string }).code ?? String(error) } : { body: (req as Request).body as unknown };
        const text = JSON.stringify(answer);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' }).end(text);
      });
    if (delayMs > 0) setTimeout(run, delayMs);
    else run();
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Sends a request with the body in `parts`, `gapMs` apart; resolves the parsed answer. */
async function send(port: number, parts: Array<string | Buffer>, gapMs: number, headers = ''): Promise<unknown> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const length = parts.reduce((sum, part) => sum + Buffer.byteLength(part), 0);
  socket.write(`POST / HTTP/1.1\r\nhost: x\r\ncontent-length: ${length}\r\n${headers}\r\n`);
  for (const part of parts) {
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    socket.write(part);
  }
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  await once(socket, 'end');
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
}

describe('readJsonBody', () => {
  it('parses a body that was all there before the step ran, and one still arriving in pieces', async () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'héllo "there"' }] };
    const text = JSON.stringify(body);
    const whole = await serve(30);
    expect(await send(whole, [text], 0)).toEqual({ body });
    const arriving = await serve(0);
    expect(await send(arriving, [text.slice(0, 10), text.slice(10, 20), text.slice(20)], 15)).toEqual({ body });
  });

  it('gives the same answers either way for empty, malformed, too deep and too large bodies', async () => {
    for (const delayMs of [30, 0]) {
      const port = await serve(delayMs, 64);
      expect(await send(port, [''], 0)).toEqual({ error: 'invalid_json' });
      expect(await send(port, ['{"a":'], 0)).toEqual({ error: 'invalid_json' });
      expect(await send(port, ['[[[[[1]]]]]'], 0)).toEqual({ error: 'invalid_request' });
      // Nine keys past a limit of eight; colons in strings (escaped quotes too) are not keys.
      expect(await send(port, ['{"a":{"b":1,"c":2},"d":[{"e":1,"f":2,"g":3,"h":4,"i":5}]}'], 0)).toEqual({ error: 'invalid_request' });
      const colonsInStrings = JSON.stringify({ 'a:': { 'b":': ':::\\":::' }, d: `\\${':'.repeat(9)}` });
      expect(await send(port, [colonsInStrings], 0)).toEqual({ body: JSON.parse(colonsInStrings) });
      expect(await send(port, [`"${'x'.repeat(80)}"`], 0)).toEqual({ error: 'request_too_large' });
    }
  });

  // JSON in UTF-16 or UTF-32 (Windows tools, PowerShell's Out-File) read as UTF-8 was 400
  // invalid_json "not valid JSON", which the client's own JSON tooling then contradicts.
  it('refuses a body in UTF-16 or UTF-32, with a byte order mark or without, as 415 unsupported_media_type', async () => {
    const text = '{"a":1}';
    const utf16be = Buffer.from(text, 'utf16le').swap16();
    const utf32le = Buffer.concat([...text].map((character) => Buffer.from([character.charCodeAt(0), 0, 0, 0])));
    const bodies = {
      'UTF-16LE with its mark': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
      'UTF-16BE with its mark': Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]),
      'UTF-16LE': Buffer.from(text, 'utf16le'),
      'UTF-16BE': utf16be,
      'UTF-32LE': utf32le,
    };
    for (const delayMs of [30, 0]) {
      const port = await serve(delayMs);
      for (const [name, body] of Object.entries(bodies)) expect(await send(port, [body], 0), name).toEqual({ error: 'unsupported_media_type' });
      // A UTF-8 byte order mark is still ignored.
      expect(await send(port, [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])], 0)).toEqual({ body: { a: 1 } });
    }
  });

  it('refuses a chunked body past the limit, whole or arriving', async () => {
    for (const delayMs of [30, 0]) {
      const port = await serve(delayMs, 16);
      const socket = net.connect(port, '127.0.0.1');
      await once(socket, 'connect');
      const chunk = '"0123456789"';
      socket.write(`POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`);
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (data: string) => (text += data));
      await once(socket, 'end');
      expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual({ error: 'request_too_large' });
    }
  });
});
