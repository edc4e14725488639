import { Counter, Histogram, Registry, type OpenMetricsContentType, type PrometheusContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TallyCounter, TallyHistogram } from '../src/metrics/tally-metrics.js';

const buckets = [0.005, 0.01, 0.1, 1, 10];
const labelNames = ['endpoint', 'model'] as const;

/** A registry rendering in `contentType` (prom-client's types leave out the constructor's argument for it). */
function registryOf(contentType: PrometheusContentType | OpenMetricsContentType): Registry<PrometheusContentType> | Registry<OpenMetricsContentType> {
  if (contentType === Registry.OPENMETRICS_CONTENT_TYPE) {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(contentType);
    return registry;
  }
  return new Registry();
}

/** A tally counter and histogram, and prom-client's own, each pair fed the same values. */
function pair(contentType: typeof Registry.PROMETHEUS_CONTENT_TYPE | typeof Registry.OPENMETRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE) {
  const ours = registryOf(contentType);
  const theirs = registryOf(contentType);
  const counter = new TallyCounter({ name: 'calls_total', help: 'Calls.', labelNames, registry: ours });
  const histogram = new TallyHistogram({ name: 'call_seconds', help: 'Call time.', labelNames, buckets, registry: ours });
  const reference = {
    counter: new Counter({ name: 'calls_total', help: 'Calls.', labelNames: [...labelNames], registers: [theirs] }),
    histogram: new Histogram({ name: 'call_seconds', help: 'Call time.', labelNames: [...labelNames], buckets, registers: [theirs] }),
  };
  const record = (endpoint: string, model: string, amount: number, seconds: number) => {
    counter.labels.at(endpoint).of(model).inc(amount);
    histogram.labels.at(endpoint).of(model).observe(seconds);
    reference.counter.inc({ endpoint, model }, amount);
    reference.histogram.observe({ endpoint, model }, seconds);
  };
  return { ours, theirs, record };
}

/** A small deterministic generator, so a failure repeats. */
function numbers(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('tally metrics', () => {
  it.each([Registry.PROMETHEUS_CONTENT_TYPE, Registry.OPENMETRICS_CONTENT_TYPE])('render as prom-client renders the same counts (%s)', async (contentType) => {
    const { ours, theirs, record } = pair(contentType);
    const random = numbers(7);
    const models = ['a/x', 'b/y', '(other)', 'we"ird\\na\nme'];
    for (let index = 0; index < 500; index++) {
      // Values on, between and past the bounds, and float amounts whose sums round.
      const seconds = random() < 0.2 ? buckets[Math.floor(random() * buckets.length)]! : random() * 12;
      record(random() < 0.7 ? 'chat' : 'embeddings', models[Math.floor(random() * models.length)]!, random() < 0.5 ? 1 : random() * 0.001, seconds);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('forget their series on registry.resetMetrics(), and count anew from the next value', async () => {
    const { ours, theirs, record } = pair();
    record('chat', 'a/x', 1, 0.02);
    record('chat', 'b/y', 1, 0.2);
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).not.toContain('a/x');
    record('chat', 'b/y', 2, 3);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('refuse what prom-client refuses: a value that is not finite, a negative count, the wrong number of labels, a label named le', () => {
    const registry = new Registry();
    const counter = new TallyCounter({ name: 'c_total', help: 'c', labelNames, registry });
    const histogram = new TallyHistogram({ name: 'h', help: 'h', labelNames, buckets, registry });
    expect(() => histogram.labels.at('chat').of('a').observe(Number.NaN)).toThrow(TypeError);
    expect(() => counter.labels.at('chat').of('a').inc(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(() => counter.labels.at('chat').of('a').inc(-1)).toThrow('It is not possible to decrease a counter');
    expect(() => counter.labels.of('chat')).toThrow('2 labels');
    expect(() => counter.labels.at('chat').at('a')).toThrow('2 labels');
    expect(() => new TallyHistogram({ name: 'h2', help: 'h', labelNames: ['le'], buckets, registry })).toThrow('le is a reserved label keyword');
    expect(() => new TallyCounter({ name: 'c_total', help: 'again', labelNames, registry })).toThrow('already been registered');
  });
});
