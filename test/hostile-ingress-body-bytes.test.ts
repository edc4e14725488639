import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// The bytes of a body before they are JSON: what express.json() (and so the embedded
// mode behind a host's parser) and OpenAI's own servers read, the gateway reads too.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({ providers: { mock: { models: ['echo'] } } });
});
afterAll(async () => {
  await gateway.close();
});

async function post(route: string, body: Buffer) {
  const response = await fetch(gateway.origin + route, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, text: await response.text() };
}

const byteOrderMark = Buffer.from([0xef, 0xbb, 0xbf]);
const bodies: Array<[string, string]> = [
  ['/v1/chat/completions', JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] })],
  ['/v1/messages', JSON.stringify({ model: 'mock/echo', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })],
  ['/v1/responses', JSON.stringify({ model: 'mock/echo', input: 'hi', store: false })],
  ['/v1/embeddings', JSON.stringify({ model: 'mock/embed', input: 'hi' })],
];

describe('a UTF-8 byte order mark before the JSON', () => {
  // Windows tools write one (PowerShell 5's Out-File -Encoding utf8, older Notepad), and
  // `curl --data-binary @body.json` sends it; RFC 8259 lets a parser ignore it.
  it.each(bodies)('%s: read as the JSON after it, as express.json() reads it', async (route, json) => {
    const answer = await post(route, Buffer.concat([byteOrderMark, Buffer.from(json)]));
    expect(answer.status, answer.text).toBe(200);
  });

  it('anywhere else than first is not JSON: 400 invalid_json', async () => {
    const answer = await post('/v1/chat/completions', Buffer.concat([Buffer.from(' '), byteOrderMark, Buffer.from(bodies[0]![1])]));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'invalid_json', param: null } });
  });

  it('alone, it is an empty body: 400 invalid_json', async () => {
    const answer = await post('/v1/chat/completions', byteOrderMark);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'invalid_json', message: 'The request body is empty; send a JSON object.' } });
  });
});
