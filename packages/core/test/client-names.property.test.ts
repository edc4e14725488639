import { validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GatewayConfig, RequestRecord } from '../src/index.js';
import { errorCatalogue } from '../src/errors/error-catalogue.js';
import { toHeaderValue } from '../src/http/to-header-value.js';
import { DeploymentLabels } from '../src/metrics/deployment-labels.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';

/**
 * Names a client chooses (models, providers after a slash, error codes an upstream made
 * up) reach /metrics labels and response headers. Whatever they are, the labels stay
 * within what the config names or the provider lists, and a header value is one Node sends.
 */

const config = {
  models: { house: { deployments: [{ target: 'up/known' }], fallbacks: ['up/spare'] }, alias: 'up/aliased' },
  chain: ['auth', 'route'],
} as unknown as GatewayConfig;
const configured = ['up/known', 'up/spare', 'up/aliased'];
const listed = new Set(['up/listed-a', 'up/listed-b']);

/** Any string: full Unicode, lone surrogates, controls, quotes and backslashes, label syntax. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\r', '}', '{', '=', ',', '/', 'a', '\u2028', '\u0000', '\u00e9'), maxLength: 20 }),
  fc.constantFrom('known', 'spare', 'aliased', 'listed-a', '(other)', '(none)', '__proto__', 'constructor', ''),
);

function record(provider: string | undefined, model: string | undefined, errorCode: string | undefined, endpoint: RequestRecord['endpoint']): RequestRecord {
  const deployment = { provider: provider ?? 'up', model: model ?? 'known' };
  return {
    id: 'req_1',
    receivedAt: new Date(0),
    endpoint,
    keyId: undefined,
    team: undefined,
    project: undefined,
    requestedModel: model,
    provider,
    model,
    stream: false,
    status: 200,
    errorCode,
    usage: { inputTokens: 3, outputTokens: 2 },
    costUsd: 0.5,
    cacheHit: false,
    latencyMs: 1,
    firstByteMs: 1,
    attempts: [
      { deployment, errorCode },
      { deployment: { provider: 'up', model: 'known' }, errorCode: undefined },
    ] as unknown as RequestRecord['attempts'],
  };
}

/** The value of every `name="…"` label on /metrics, as prom-client escapes it. */
function labelValues(text: string, name: string): Set<string> {
  const values = new Set<string>();
  const pattern = new RegExp(`[{,]${name}="((?:[^"\\\\]|\\\\.)*)"`, 'g');
  for (const match of text.matchAll(pattern)) values.add(match[1]!.replace(/\\(.)/g, (_, escaped: string) => (escaped === 'n' ? '\n' : escaped)));
  return values;
}

describe('metric labels under names clients choose', () => {
  it('are only configured providers and deployments, listed models, (other) and (none); error codes only catalogued ones', async () => {
    const endpoints: Array<RequestRecord['endpoint']> = ['chat', 'messages', 'responses', 'embeddings', 'models', 'custom'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.option(hostileText, { nil: undefined }), fc.option(hostileText, { nil: undefined }), fc.option(hostileText, { nil: undefined }), fc.constantFrom(...endpoints)), {
          minLength: 1,
          maxLength: 30,
        }),
        async (records) => {
          const metrics = new GatewayMetrics(new DeploymentLabels(config, (id) => id === 'up', (name) => listed.has(name)));
          for (const [provider, model, errorCode, endpoint] of records) {
            const upProvider = provider === undefined ? undefined : provider.length % 2 === 0 ? 'up' : provider;
            metrics.observe(record(upProvider, model, errorCode, endpoint));
          }
          const text = await metrics.registry.metrics();
          for (const value of labelValues(text, 'provider')) expect(['up', '(other)', '(none)']).toContain(value);
          for (const value of labelValues(text, 'model')) expect([...configured, ...listed, '(other)', '(none)']).toContain(value);
          for (const value of labelValues(text, 'error_code')) expect(value === '' || value === 'other' || Object.hasOwn(errorCatalogue, value)).toBe(true);
          for (const value of labelValues(text, 'reason')) expect(value === 'unknown' || value === 'other' || Object.hasOwn(errorCatalogue, value)).toBe(true);
          // Every sample line is one series and its value: no label value broke out of its quotes.
          for (const line of text.split('\n')) {
            if (line === '' || line.startsWith('#')) continue;
            expect(line).toMatch(/^[a-z_]+(\{([a-z_]+="(?:[^"\\\n]|\\.)*",?)*\})? \S+$/);
          }
        },
      ),
      { seed: 20261206, numRuns: 150 },
    );
  });

  it('a configured deployment keeps its own label whatever was called before it', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 1200 }), (names) => {
        const everythingListed = new DeploymentLabels(config, (id) => id === 'up', () => true);
        for (const name of names) everythingListed.model('up', name);
        for (const name of configured) expect(everythingListed.model('up', name.slice('up/'.length))).toBe(name);
      }),
      { seed: 20261206, numRuns: 20 },
    );
  });
});

describe('toHeaderValue under names clients choose', () => {
  it('gives a value Node sends, within its bound, and visible ASCII unchanged', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme-ascii', maxLength: 300 })), fc.integer({ min: 1, max: 400 }), (value, maxLength) => {
        const safe = toHeaderValue(value, maxLength);
        expect(() => validateHeaderValue('x-switchyard-model', safe)).not.toThrow();
        expect(safe.length).toBeLessThanOrEqual(maxLength);
        if (/^[\x20-\x7e]*$/.test(value)) expect(safe).toBe(value.slice(0, maxLength));
      }),
      { seed: 20261206, numRuns: 500 },
    );
  });
});
