import { describe, expect, it } from 'vitest';
import { createLogger, GatewayError, guardStore, StoreHealth } from '../src/index.js';

const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/** A store whose calls succeed, fail with an outage, or fail with a bug, as the test says. */
class FakeStore {
  mode: 'ok' | 'outage' | 'bug' = 'ok';
  closed = false;
  async find(id: string): Promise<string> {
    if (this.mode === 'outage') throw outage;
    if (this.mode === 'bug') throw new TypeError('a bug');
    return `found ${id}`;
  }
  syncCount(): number {
    if (this.mode === 'outage') throw outage;
    return 1;
  }
  async migrate(): Promise<void> {
    throw outage;
  }
  /** A call in flight until the test settles it: its outcome arrives after calls that began later. */
  held: Array<{ resolve: (value: string) => void; reject: (error: unknown) => void }> = [];
  slow(): Promise<string> {
    return new Promise((resolve, reject) => this.held.push({ resolve, reject }));
  }
}

function setUp(logIntervalMs = 1000) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  let now = 1_000_000;
  const health = new StoreHealth({ backend: 'fake', logger, logIntervalMs, clock: () => now });
  const store = new FakeStore();
  const guarded = guardStore(store, { health, isOutage: (error) => (error as { code?: string }).code === 'ECONNREFUSED', retryAfterSeconds: 3 });
  return { lines, health, store, guarded, advance: (ms: number) => void (now += ms) };
}

describe('guardStore and StoreHealth', () => {
  it('turns an outage into a 503 store_unavailable with Retry-After, async or sync, and leaves other errors alone', async () => {
    const { store, guarded } = setUp();
    expect(await guarded.find('a')).toBe('found a');
    store.mode = 'outage';
    const error = await guarded.find('a').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'store_unavailable', status: 503, retryAfterSeconds: 3, retryable: true });
    expect((error as GatewayError).toBody().error.message).not.toContain('5432'); // where the database is stays in the log
    expect(() => guarded.syncCount()).toThrow(GatewayError);
    store.mode = 'bug';
    await expect(guarded.find('a')).rejects.toThrow(TypeError);
    // Startup reports its own errors: migrate() is not converted.
    await expect(guarded.migrate()).rejects.toBe(outage);
    expect(guarded).toBeInstanceOf(FakeStore);
  });

  it('reports degraded from the first failure (since when, why, how many) until a call succeeds', async () => {
    const { store, guarded, health, advance } = setUp();
    expect(health.section()).toEqual({ healthy: true, backend: 'fake', status: 'ok' });
    store.mode = 'outage';
    await guarded.find('a').catch(() => {});
    advance(500);
    await guarded.find('a').catch(() => {});
    expect(health.section()).toEqual({
      healthy: false,
      backend: 'fake',
      status: 'degraded',
      since: new Date(1_000_000).toISOString(),
      failures: 2,
      last_error: 'connect ECONNREFUSED 127.0.0.1:5432',
    });
    store.mode = 'ok';
    await guarded.find('a');
    expect(health.section()).toMatchObject({ healthy: true, status: 'ok' });
  });

  it('logs a failing store at most once per interval with the count since the last line, and once when it is back', async () => {
    const { store, guarded, lines, advance } = setUp(1000);
    store.mode = 'outage';
    for (let i = 0; i < 50; i++) await guarded.find('a').catch(() => {});
    advance(1000);
    for (let i = 0; i < 7; i++) await guarded.find('a').catch(() => {});
    const warnings = lines.filter((line) => String(line['msg']).startsWith('store unavailable'));
    expect(warnings.map((line) => line['failures'])).toEqual([1, 50]);
    store.mode = 'ok';
    await guarded.find('a');
    await guarded.find('a');
    const back = lines.filter((line) => line['msg'] === 'store reachable again');
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ store: 'fake', failures: 57 });
  });

  it('counts nothing migrate() or close() do in the store\'s own name: a failed start is neither an outage seen by requests nor the store back', async () => {
    // PostgreSQL's stores hold their shared migration and their pool's close as function-valued
    // fields. Called on the guard, they went through it: a start whose migration failed logged
    // "store unavailable: requests that need it answer 503", then "store reachable again" as it closed.
    class StoreWithSharedParts {
      readonly migrateOnce = async () => {
        throw outage;
      };
      readonly closePool = async () => undefined;
      migrate(): Promise<void> {
        return this.migrateOnce();
      }
      close(): Promise<void> {
        return this.closePool();
      }
    }
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    const health = new StoreHealth({ backend: 'fake', logger });
    const guarded = guardStore(new StoreWithSharedParts(), { health, isOutage: () => true, retryAfterSeconds: 3 });
    await expect(guarded.migrate()).rejects.toBe(outage);
    expect(health.failing).toBe(false);
    await guarded.close();
    expect(lines).toEqual([]);
  });

  it('one outage is one "unavailable" line and one "back" line: a call begun before the store changed state does not change it back when its answer comes late', async () => {
    const { store, guarded, lines, health } = setUp(60_000);
    const said = () => lines.map((line) => String(line['msg'])).filter((msg) => /^store (unavailable|reachable again)/.test(msg));
    // Begun while the database answered; its connection is cut with the outage, and the error comes only after recovery
    // (a connection reset as the network came back, a wait for a pool slot that timed out).
    const lateFailure = guarded.slow().catch((error: unknown) => error);
    // Also begun before the outage: the database's answer to it comes after calls begun later have failed.
    const lateSuccess = guarded.slow();
    store.mode = 'outage';
    await guarded.find('a').catch(() => {});
    await guarded.find('a').catch(() => {});
    store.held[1]!.resolve('answered from before');
    await lateSuccess;
    expect(health.failing).toBe(true);
    store.mode = 'ok';
    await guarded.find('a');
    store.held[0]!.reject(outage);
    expect(await lateFailure).toMatchObject({ code: 'store_unavailable' }); // its caller still hears the outage
    expect(health.section()).toMatchObject({ healthy: true, status: 'ok' });
    expect(said()).toEqual(['store unavailable: requests that need it answer 503 store_unavailable', 'store reachable again']);
    // A new outage, seen by a call begun after the recovery, is said again at once.
    store.mode = 'outage';
    await guarded.find('a').catch(() => {});
    expect(health.failing).toBe(true);
    expect(said()).toHaveLength(3);
  });
});
