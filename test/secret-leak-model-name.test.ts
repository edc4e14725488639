import { mkdtemp, rm } from 'node:fs/promises';
import { startMockOpenAI } from '@switchyard/testing';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A client that pastes a key into `model` (its own Switchyard key, a provider key)
 * had it written verbatim in the request's log line, the ledger's `requested_model`
 * (read in the admin API and the dashboard by others) and the `x-switchyard-model` and
 * `x-switchyard-route` headers: a `provider/…` name routes any model id, and the line
 * of a name that exists nowhere is logged as well. The secret must reach none of them.
 */
let gateway: TestGateway;
let dataDir: string;
let secret: string;
let keyId: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-model-secret-'));
  gateway = await startTestGateway({
    server: { data_dir: dataDir },
    storage: { use: 'sqlite' },
    providers: { mock: {} },
    usage: { flush_interval_ms: 20 },
  });
  const created = await fetch(`${gateway.origin}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'pasted' }),
  });
  const body = (await created.json()) as { secret: string; key: { id: string } };
  secret = body.secret;
  keyId = body.key.id;
});
afterAll(async () => {
  await gateway?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const calls = [
  ['chat', '/v1/chat/completions', (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] })],
  ['embeddings', '/v1/embeddings', (model: string) => ({ model, input: 'hi' })],
  ['responses', '/v1/responses', (model: string) => ({ model, input: 'hi' })],
  ['messages', '/v1/messages', (model: string) => ({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })],
  ['count_tokens', '/v1/messages/count_tokens', (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] })],
] as const;

/** The secrets a client might paste, each with the part of it that must not be seen anywhere. */
const pasted = (): Array<[string, () => string, string]> => [
  ['its own Switchyard key, alone (no such model: 404)', () => secret, secret.slice(-20)],
  ['its own Switchyard key after a provider (routed: 200)', () => `mock/${secret}`, secret.slice(-20)],
  ['an OpenAI project key after a provider', () => 'mock/sk-proj-Zq3vA9xLm2Pk7RtY8wQe', 'Zq3vA9xLm2Pk7RtY8wQe'],
  ['an Azure key (32 hex digits) after a provider', () => 'mock/9f86d081884c7d659a2feaa0c55ad015', '9f86d081884c7d659a2feaa0c55ad015'],
];

async function post(route: string, body: unknown) {
  const response = await fetch(`${gateway.origin}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response;
}

describe('a key pasted into the model field', () => {
  it.each(calls)('%s: the key is in no log line, gateway header or metric', async (_name, route, body) => {
    for (const [, model, part] of pasted()) {
      const logged = gateway.logLines.length;
      const response = await post(route, body(model()));
      expect(response.status).toBeLessThan(500);
      for (const [name, value] of response.headers) {
        if (name.startsWith('x-switchyard-')) expect(value, name).not.toContain(part);
      }
      // The request's own line is written once it is over, which may be just after its answer.
      await expect.poll(() => gateway.logLines.slice(logged).some((line) => line.includes('"request finished"'))).toBe(true);
      for (const line of gateway.logLines.slice(logged)) expect(line).not.toContain(part);
    }
    const metrics = await (await fetch(`${gateway.origin}/metrics`)).text();
    for (const [, , part] of pasted()) expect(metrics).not.toContain(part);
  });

  it('GET /health (no key needed) names no breaker by the key: made-up names, pasted keys among them, are only counted', async () => {
    for (const [, model] of pasted()) await post('/v1/chat/completions', calls[0][2](model()));
    await post('/v1/chat/completions', calls[0][2]('mock/gpt-4o-typo'));
    const text = await (await fetch(`${gateway.origin}/health`)).text();
    for (const [, , part] of pasted()) expect(text).not.toContain(part);
    expect(text).not.toContain('gpt-4o-typo');
    const section = (JSON.parse(text) as { checks: { circuit_breakers: { breakers: Record<string, unknown>; unlisted?: Record<string, number> } } }).checks.circuit_breakers;
    expect(Object.keys(section.breakers).filter((name) => name.includes('REDACTED') || name.includes('typo'))).toEqual([]);
    expect(section.unlisted?.['closed']).toBeGreaterThanOrEqual(2);
  });

  it('the ledger keeps the request with the key blanked, and an ordinary unknown name as it was sent', async () => {
    await post('/v1/chat/completions', calls[0][2](`mock/${secret}`));
    await post('/v1/chat/completions', calls[0][2]('mock/gpt-4o-typo'));
    const recorded = async () => {
      const answer = await fetch(`${gateway.origin}/admin/requests?key_id=${keyId}&limit=200`, { headers: { authorization: `Bearer ${masterKey}` } });
      return ((await answer.json()) as { data: Array<{ requested_model: string | null; model: string | null }> }).data;
    };
    await expect.poll(async () => (await recorded()).some((record) => record.requested_model === 'mock/gpt-4o-typo')).toBe(true);
    const records = await recorded();
    expect(records.some((record) => record.requested_model === 'mock/[REDACTED]')).toBe(true);
    expect(JSON.stringify(records)).not.toContain(secret.slice(-20));
    expect(gateway.logLines.some((line) => line.includes('"model":"mock/gpt-4o-typo"'))).toBe(true);
  });
});

it('a key pasted as an unpriced model of an OpenAI-compatible provider is blanked in switchyard_unpriced_calls_total and its warning', async () => {
  const upstream = await startMockOpenAI();
  const priced = await startTestGateway({ providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } } });
  const pastedKey = 'sy-4kQ9xV2mLp7RtY8wQeZ3nB6cD1fG5hJ0kL9mN2pQ4r';
  try {
    const response = await fetch(`${priced.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: `openai/${pastedKey}`, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    await expect.poll(async () => (await fetch(`${priced.origin}/metrics`)).text()).toContain(
      'switchyard_unpriced_calls_total{provider="openai",model="[REDACTED]"} 1',
    );
    expect(priced.logLines.some((line) => line.includes('no price for this model'))).toBe(true);
    for (const line of priced.logLines) expect(line).not.toContain(pastedKey.slice(-20));
  } finally {
    await priced.close();
    await upstream.close();
  }
});

/**
 * Sends each `[model, part of the secret in it, status, x-switchyard-model shown]` as a chat
 * request's model, and checks the answer's status and model header and that no log line of
 * the request holds the part.
 */
async function expectModelsBlanked(own: TestGateway, bearer: string, cases: Array<[string, string, number, string | null]>): Promise<void> {
  for (const [model, part, status, shown] of cases) {
    const logged = own.logLines.length;
    const response = await fetch(`${own.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.arrayBuffer();
    expect(response.status).toBe(status);
    expect(response.headers.get('x-switchyard-model')).toBe(shown);
    await expect.poll(() => own.logLines.slice(logged).some((line) => line.includes('"request finished"'))).toBe(true);
    for (const line of own.logLines.slice(logged)) expect(line).not.toContain(part);
  }
}

it('a credential of this gateway with no known prefix (a Bedrock secret key, a master key set by hand) pasted as the model is blanked too', async () => {
  const bedrockSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const handSetMasterKey = 'correct-horse-battery-staple-0042';
  const own = await startTestGateway({
    master_key: handSetMasterKey,
    providers: { mock: {}, bedrock: { region: 'us-east-1', endpoint: 'http://127.0.0.1:9/', access_key_id: 'AKIDEXAMPLE0123456789', secret_access_key: bedrockSecret } },
  });
  try {
    await expectModelsBlanked(own, handSetMasterKey, [
      [`mock/${bedrockSecret}`, bedrockSecret.slice(-14), 200, 'mock/[REDACTED]'],
      [`mock/${handSetMasterKey}`, handSetMasterKey.slice(-14), 200, 'mock/[REDACTED]'],
      // No such model: the refusal's log lines hold it no more than a routed request's.
      [handSetMasterKey, handSetMasterKey.slice(-14), 404, null],
    ]);
  } finally {
    await own.close();
  }
});

it('a key listed in the config (auth keys:) or the metrics token, pasted as the model, is blanked as the master key is', async () => {
  // As the example config says to make one: `openssl rand -base64 32`, whose `+` and `/` leave no 32-character run.
  const listedKey = 'q3Jf8Kd+Lm2Qx7/Zt9Wv1Nb4Hy6Rp0Sc5Ue8Ai3Go7E=';
  const metricsToken = 'scrape-token-Zt9Wv1Nb4Hy6Rp0';
  const own = await startTestGateway({
    chain: [{ auth: { keys: [{ name: 'ci', key: listedKey }] } }, 'route', 'adapter'],
    metrics: { enabled: true, token: metricsToken },
    providers: { mock: {} },
  });
  try {
    await expectModelsBlanked(own, listedKey, [
      [`mock/${listedKey}`, listedKey.slice(-14), 200, 'mock/[REDACTED]'],
      [`mock/${metricsToken}`, metricsToken.slice(-14), 200, 'mock/[REDACTED]'],
      [listedKey, listedKey.slice(-14), 404, null],
    ]);
  } finally {
    await own.close();
  }
});

it('a credential spelled with HTML character references (&#115;k-…, all of it or its start) in the model is blanked in the 404 body, the model header and the logs', async () => {
  const handSetMasterKey = 'correct-horse-battery-staple-0042';
  const providerKey = 'sk-proj-Zq3vA9xLm2Pk7RtY8wQe';
  /** Each character as a reference, decimal or hex by turns; `&amp;` spells the `&` of one escaped twice. */
  const referenced = (text: string, twice = false) => [...text].map((char, index) => `${twice ? '&amp;' : '&'}#${index % 2 ? `x${char.charCodeAt(0).toString(16)}` : char.charCodeAt(0)};`).join('');
  /** References decoded (twice over), as a client showing the message as HTML does. */
  const decoded = (text: string) => {
    let current = text;
    for (let round = 0; round < 3; round++) {
      current = current
        .replace(/&amp;/g, '&')
        .replace(/&#[xX]([0-9A-Fa-f]+);?/g, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
        .replace(/&#([0-9]+);?/g, (_, decimal: string) => String.fromCodePoint(Number(decimal)));
    }
    return current;
  };
  const own = await startTestGateway({ master_key: handSetMasterKey, providers: { mock: {} } });
  try {
    const models: Array<[string, string]> = [
      [handSetMasterKey, handSetMasterKey],
      [referenced(handSetMasterKey), handSetMasterKey],
      [referenced(handSetMasterKey, true), handSetMasterKey],
      [`&#99;${handSetMasterKey.slice(1)}`, handSetMasterKey],
      [`&#115;${providerKey.slice(1)}`, providerKey],
      [referenced(providerKey), providerKey],
    ];
    for (const [model, secret] of models) {
      const logged = own.logLines.length;
      const response = await fetch(`${own.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${handSetMasterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body = await response.text();
      // A name spelled twice over may run past the longest name (400): it is refused without being echoed either.
      expect([400, 404], model).toContain(response.status);
      expect(JSON.parse(body).error).toMatchObject({ type: 'invalid_request_error', code: response.status === 404 ? 'model_not_found' : expect.any(String) });
      for (const text of [body, ...own.logLines.slice(logged)]) {
        for (const reading of [text, decoded(text), decoded(JSON.stringify(JSON.parse(body).error.message))]) {
          expect(reading, model).not.toContain(secret.slice(0, 8));
          expect(reading, model).not.toContain(secret.slice(-12));
        }
      }
      const routed = await fetch(`${own.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${handSetMasterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: `mock/${model}`, messages: [{ role: 'user', content: 'hi' }] }),
      });
      await routed.arrayBuffer();
      if (response.status === 400) continue;
      expect(routed.status, model).toBe(200);
      expect(decoded(routed.headers.get('x-switchyard-model') ?? ''), model).toContain('[REDACTED]');
      expect(decoded(routed.headers.get('x-switchyard-model') ?? ''), model).not.toContain(secret.slice(-12));
    }
  } finally {
    await own.close();
  }
});
