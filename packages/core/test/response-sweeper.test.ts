import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, MemoryResponseStore, StoredResponseTooLarge, type ResponseStore, type StoredResponse } from '../src/index.js';
import { observeResponseStore, responseStoreCounters } from '../src/gateway/observe-response-store.js';
import { ResponseSweeper } from '../src/gateway/response-sweeper.js';
import { DeploymentLabels } from '../src/metrics/deployment-labels.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, lines, warnings: () => lines.filter((line) => line.level === 40) };
}

function newMetrics(): GatewayMetrics {
  return new GatewayMetrics(new DeploymentLabels({ models: {}, chain: [] } as never, () => false, () => false));
}

async function sample(metrics: GatewayMetrics, name: string): Promise<string[]> {
  return (await metrics.registry.metrics()).split('\n').filter((line) => line.startsWith(name));
}

function response(id: string, expiresAt: Date): StoredResponse {
  return { id, ownerKeyId: 'key_a', response: { id }, inputItems: [], conversationItems: [], createdAt: new Date(expiresAt.getTime() - 1000), expiresAt };
}

/** A store whose deleteExpired fails while `failing` is true, as a database outage would. */
function flakySweepStore() {
  const inner = new MemoryResponseStore();
  const state = { failing: true, sweeps: 0 };
  const store: ResponseStore = {
    migrate: () => inner.migrate(),
    put: (r) => inner.put(r),
    get: (o, i) => inner.get(o, i),
    delete: (o, i) => inner.delete(o, i),
    deleteExpired: async (now) => {
      state.sweeps++;
      if (state.failing) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return inner.deleteExpired(now);
    },
    close: () => inner.close(),
  };
  return { store, state, inner };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ResponseSweeper', () => {
  it('sweeps once at start and then every interval, counting what it deleted', async () => {
    vi.useFakeTimers();
    const metrics = newMetrics();
    const counters = responseStoreCounters(metrics);
    const store = new MemoryResponseStore();
    const { logger } = capturingLogger();
    const past = new Date(Date.now() - 1000);
    await store.put(response('resp_1', past));
    await store.put(response('resp_2', past));
    await store.put(response('resp_live', new Date(Date.now() + 3_600_000)));

    const sweeper = new ResponseSweeper(store, 60_000, counters, logger);
    sweeper.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(await sample(metrics, 'switchyard_responses_swept_total')).toEqual(['switchyard_responses_swept_total 2']);

    await store.put(response('resp_3', new Date(Date.now() - 1)));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await sample(metrics, 'switchyard_responses_swept_total')).toEqual(['switchyard_responses_swept_total 3']);
    expect(await store.get('key_a', 'resp_live')).toBeDefined();
    await sweeper.stop();
  });

  it('logs a failed sweep once per interval, counts it, and sweeps again next interval', async () => {
    vi.useFakeTimers();
    const metrics = newMetrics();
    const counters = responseStoreCounters(metrics);
    const { store, state, inner } = flakySweepStore();
    const { logger, warnings } = capturingLogger();
    await inner.put(response('resp_old', new Date(Date.now() - 1000)));

    const sweeper = new ResponseSweeper(store, 10_000, counters, logger);
    sweeper.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(state.sweeps).toBe(2);
    expect(warnings()).toHaveLength(2);
    expect(String(warnings()[0]!.msg)).toMatch(/sweeping expired stored responses failed/);
    expect(await sample(metrics, 'switchyard_response_store_failures_total')).toEqual(['switchyard_response_store_failures_total{operation="sweep"} 2']);

    state.failing = false;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await sample(metrics, 'switchyard_responses_swept_total')).toEqual(['switchyard_responses_swept_total 1']);
    expect(warnings()).toHaveLength(2);
    await sweeper.stop();
  });

  it('stop() waits for the sweep under way and no sweep starts afterwards', async () => {
    vi.useFakeTimers();
    let release!: () => void;
    let sweeps = 0;
    const store = new MemoryResponseStore();
    store.deleteExpired = () => {
      sweeps++;
      return new Promise<number>((resolve) => (release = () => resolve(0)));
    };
    const sweeper = new ResponseSweeper(store, 1000, responseStoreCounters(newMetrics()), capturingLogger().logger);
    sweeper.start();
    // A tick due while the first sweep still runs is not a second sweep.
    await vi.advanceTimersByTimeAsync(1000);
    expect(sweeps).toBe(1);
    let stopped = false;
    const stopping = sweeper.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    release();
    await stopping;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sweeps).toBe(1);
  });

  it('refuses an interval that is not a positive finite number', () => {
    const counters = responseStoreCounters(newMetrics());
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new ResponseSweeper(new MemoryResponseStore(), bad, counters, capturingLogger().logger)).toThrow(RangeError);
    }
  });
});

describe('observeResponseStore', () => {
  it('counts a response too large to store and logs it at most once a minute, rethrowing the typed error', async () => {
    const metrics = newMetrics();
    const { logger, warnings } = capturingLogger();
    const inner = new MemoryResponseStore();
    inner.put = async (r) => {
      throw new StoredResponseTooLarge(r.id, 5_000_000, 4_194_304);
    };
    const store = observeResponseStore(inner, responseStoreCounters(metrics), logger);
    for (let i = 0; i < 5; i++) {
      await expect(store.put(response(`resp_${i}`, new Date(Date.now() + 60_000)))).rejects.toBeInstanceOf(StoredResponseTooLarge);
    }
    expect(await sample(metrics, 'switchyard_responses_not_stored_total')).toEqual(['switchyard_responses_not_stored_total{reason="too_large"} 5']);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({ responseId: 'resp_0', bytes: 5_000_000, maxBytes: 4_194_304 });
    expect(await sample(metrics, 'switchyard_response_store_failures_total')).toEqual([]);
  });

  it('counts failed calls by operation and passes the error on unchanged', async () => {
    const metrics = newMetrics();
    const outage = new Error('store down');
    const inner = new MemoryResponseStore();
    inner.get = async () => {
      throw outage;
    };
    inner.delete = async () => {
      throw outage;
    };
    const store = observeResponseStore(inner, responseStoreCounters(metrics), capturingLogger().logger);
    await expect(store.get('key_a', 'resp_x')).rejects.toBe(outage);
    await expect(store.get('key_a', 'resp_x')).rejects.toBe(outage);
    await expect(store.delete('key_a', 'resp_x')).rejects.toBe(outage);
    await store.put(response('resp_ok', new Date(Date.now() + 60_000)));
    expect((await sample(metrics, 'switchyard_response_store_failures_total')).sort()).toEqual([
      'switchyard_response_store_failures_total{operation="delete"} 1',
      'switchyard_response_store_failures_total{operation="get"} 2',
    ]);
  });
});
