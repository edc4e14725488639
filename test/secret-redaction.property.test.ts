import { minQuotedPartLength, SecretRedactor } from '@switchyard/core';
import { startMockAnthropic, startMockGemini, startMockOpenAI, type MockUpstream } from '@switchyard/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  messageTextArbitrary,
  secretMarker,
  spellSecret,
  spelledSecretArbitrary,
  unescapeAll,
  type SpelledSecret,
} from './support/secret-variants.js';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

describe('SecretRedactor over generated secrets and JSON spellings', () => {
  // Compiling a redactor's expression for a new secret costs far more than a redaction
  // (tens of ms on a busy machine, the expression spelling every character every way),
  // so each run compiles one and checks it at every depth (below: at both ends),
  // bounding the work at a few hundred compilations rather than 1000 per test.
  it('blanks a known secret in every spelling, at every nesting depth, inside any text', () => {
    fc.assert(
      fc.property(spelledSecretArbitrary, messageTextArbitrary, messageTextArbitrary, (spelled, before, after) => {
        const redactor = new SecretRedactor([spelled.secret, 'another-configured-secret']);
        for (let depth = 1; depth <= 5; depth++) {
          const redacted = redactor.redact(before + spellSecret(spelled, depth) + after);
          expect(redacted).toContain('[REDACTED]');
          expect(unescapeAll(redacted)).not.toContain(spelled.secret);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('blanks a quoted end or start of a known secret, of at least minQuotedPartLength characters, in every spelling', () => {
    const longSecret = spelledSecretArbitrary.filter(({ secret }) => secret.length > minQuotedPartLength);
    fc.assert(
      fc.property(longSecret, fc.nat(), messageTextArbitrary, messageTextArbitrary, (spelled, cut, before, after) => {
        const redactor = new SecretRedactor([spelled.secret]);
        const length = minQuotedPartLength + (cut % (spelled.secret.length - minQuotedPartLength));
        for (const from of [0, spelled.secret.length - length]) {
          const part = { secret: spelled.secret.slice(from, from + length), spellings: spelled.spellings.slice(from, from + length) };
          const redacted = redactor.redact(before + spellSecret(part, 1) + after);
          expect(redacted).toContain('[REDACTED]');
          expect(unescapeAll(redacted)).not.toContain(part.secret);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('leaves text without secrets or key-shaped strings as it was', () => {
    const redactor = new SecretRedactor(['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']);
    const text = 'The model `gpt-4o` does not exist or you do not have access to it (\\u0041 stays).';
    expect(redactor.redact(text)).toBe(text);
  });

  it('ignores configured secrets too short to tell from ordinary words', () => {
    expect(new SecretRedactor(['abc']).redact('abc abc')).toBe('abc abc');
  });
});

/** The shapes in which a provider echoes words back: whole error bodies and in-stream error events. */
type Shape =
  | 'openai-body'
  | 'openai-body-nested-json'
  | 'openai-stream-error'
  | 'anthropic-body'
  | 'anthropic-stream-error'
  | 'gemini-body'
  | 'gemini-stream-error'
  | 'openai-models-list-error';

const shapes: Shape[] = [
  'openai-body',
  'openai-body-nested-json',
  'openai-stream-error',
  'anthropic-body',
  'anthropic-stream-error',
  'gemini-body',
  'gemini-stream-error',
  'openai-models-list-error',
];

/** Raw JSON text of `build(message)`, with the marker in the message replaced by the spelled secret. */
function rawJson(spelled: SpelledSecret, message: string, nested: boolean, build: (message: string) => unknown): string {
  const inner = nested ? JSON.stringify({ error: { message } }) : message;
  return JSON.stringify(build(inner)).replace(secretMarker, spellSecret(spelled, nested ? 2 : 1));
}

describe('a provider echoing its key, through a real gateway', () => {
  let openai: MockUpstream;
  let anthropic: MockUpstream;
  let gemini: MockUpstream;

  beforeAll(async () => {
    [openai, anthropic, gemini] = await Promise.all([startMockOpenAI(), startMockAnthropic(), startMockGemini()]);
  });
  afterAll(async () => {
    await Promise.all([openai?.close(), anthropic?.close(), gemini?.close()]);
  });

  // A gateway per run (the key is its config) costs far more than a request: each run
  // echoes its key in every shape through one gateway, 200 echoes from 25 gateways.
  it('never lets the key reach the client or a log line, over 25 generated keys and spellings, each in every error shape', async () => {
    await fc.assert(
      fc.asyncProperty(spelledSecretArbitrary, messageTextArbitrary, messageTextArbitrary, async (spelled, before, after) => {
        const message = `${before}${secretMarker}${after}`;
        const once = (target: string) => ({ deployments: [{ target }], retries: { attempts: 0 } });
        // The provider's configured key is the generated secret: one gateway per run.
        const gateway = await startTestGateway({
          providers: {
            openai: { api_key: spelled.secret, base_url: openai.url },
            anthropic: { api_key: spelled.secret, base_url: anthropic.url },
            gemini: { api_key: spelled.secret, base_url: gemini.url },
          },
          models: { o: once('openai/gpt-4o-mini'), a: once('anthropic/claude-sonnet-4-5'), g: once('gemini/gemini-2.5-flash') },
        });
        try {
          const json = { 'content-type': 'application/json' };
          const texts: string[] = [];
          for (const shape of shapes) {
            let model = 'o';
            let stream = false;
            let expectedCode = 'upstream_bad_request';
            switch (shape) {
              case 'openai-body':
              case 'openai-body-nested-json':
                openai.enqueue({ status: 400, headers: json, body: rawJson(spelled, message, shape === 'openai-body-nested-json', (m) => ({ error: { message: m, type: 'invalid_request_error', param: null, code: null } })) });
                break;
              case 'openai-stream-error':
                stream = true;
                expectedCode = 'upstream_server_error';
                openai.enqueue({ stream: { midStreamError: true, errorAfterEvents: 2, errorWire: `data: ${rawJson(spelled, message, false, (m) => ({ error: { message: m, type: 'server_error', param: null, code: null } }))}\n\n` } });
                break;
              case 'anthropic-body':
                model = 'a';
                anthropic.enqueue({ status: 400, headers: json, body: rawJson(spelled, message, false, (m) => ({ type: 'error', error: { type: 'invalid_request_error', message: m } })) });
                break;
              case 'anthropic-stream-error':
                model = 'a';
                stream = true;
                anthropic.enqueue({ stream: { midStreamError: true, errorAfterEvents: 3, errorWire: `event: error\ndata: ${rawJson(spelled, message, false, (m) => ({ type: 'error', error: { type: 'invalid_request_error', message: m } }))}\n\n` } });
                break;
              case 'gemini-body':
                model = 'g';
                // The blamed field becomes the client's `param`: the key is put there too.
                gemini.enqueue({
                  status: 400,
                  headers: json,
                  body: rawJson(spelled, message, false, (m) => ({
                    error: { code: 400, message: m, status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: m, description: 'bad' }] }] },
                  })).replace(secretMarker, spellSecret(spelled, 1)),
                });
                break;
              case 'gemini-stream-error':
                model = 'g';
                stream = true;
                gemini.enqueue({ stream: { midStreamError: true, errorAfterEvents: 1, errorWire: `data: ${rawJson(spelled, message, false, (m) => ({ error: { code: 400, message: m, status: 'INVALID_ARGUMENT' } }))}\r\n\r\n` } });
                break;
              case 'openai-models-list-error':
                openai.enqueue({ match: { path: '/models' }, status: 400, headers: json, body: rawJson(spelled, message, false, (m) => ({ error: { message: m, type: 'invalid_request_error', param: null, code: null } })) });
                break;
            }
            const response =
              shape === 'openai-models-list-error'
                ? await fetch(`${gateway.baseURL}/models`, { headers: { authorization: `Bearer ${masterKey}` } })
                : await fetch(`${gateway.baseURL}/chat/completions`, {
                    method: 'POST',
                    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
                    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'one two three four five' }] }),
                  });
            const text = await response.text();
            texts.push(text);

            // The upstream's words did reach the client (or, for the model list, the log), key blanked.
            if (shape === 'openai-models-list-error') {
              expect(response.status).toBe(200);
            } else if (stream) {
              expect(response.status).toBe(200);
              const errorEvent = text.split('\n').find((line) => line.startsWith('data: {"error"'));
              expect(JSON.parse(errorEvent!.slice(6)).error).toMatchObject({ code: expectedCode, message: expect.stringContaining('[REDACTED]') });
            } else {
              expect(response.status).toBe(400);
              expect(JSON.parse(text).error).toMatchObject({ code: expectedCode, message: expect.stringContaining('[REDACTED]') });
              if (shape === 'gemini-body') expect(JSON.parse(text).error.param).toContain('[REDACTED]');
            }
          }
          await gateway.close();
          expect(gateway.logLines.some((line) => line.includes('listing models failed') && line.includes('[REDACTED]'))).toBe(true);
          for (const seen of [...texts, ...gateway.logLines]) expect(unescapeAll(seen)).not.toContain(spelled.secret);
        } finally {
          await gateway.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});
