import { readyBatches, type Dispatch, type ReadyItems, type StreamPart } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { createRoutePlan, DeploymentStats, needsInFlightCounts, orderDeployments, type PlanContext } from '../src/index.js';
import { group, planContext } from './support/plan-harness.js';

// A streamed answer keeps its deployment "in flight" (for least-busy routing) until
// the stream is over, however it ends: read to the end, failed, or left by the reader.
const textPart = (text: string) => ({ type: 'text-delta', text }) as unknown as StreamPart;

async function routeStream(parts: () => AsyncIterable<StreamPart>, trackInFlight?: boolean) {
  const stats = new DeploymentStats();
  const streamGroup = group('s', { deployments: [{ target: 'a/m' }] });
  const context: PlanContext = planContext(new AbortController().signal);
  const dispatch: Dispatch = async (deployment) => {
    context.attempts.push({ deployment, durationMs: 0 });
    return { kind: 'chat-stream', parts: parts() };
  };
  const plan = createRoutePlan(streamGroup, {
    context,
    resolve: () => streamGroup,
    order: (item) => orderDeployments(item, { stats, random: () => 0, costOf: () => 0 }),
    stats,
    ...(trackInFlight !== undefined && { trackInFlight }),
  });
  const result = await plan(dispatch);
  if (result.kind !== 'chat-stream') throw new Error('expected a stream');
  return { stats, parts: result.parts, inFlight: () => stats.inFlightOf('a/m') };
}

describe('a streamed answer and its deployment in flight', () => {
  it('stays in flight while the stream is read and ends once when it runs out', async () => {
    const { parts, inFlight } = await routeStream(async function* () {
      yield textPart('a');
      yield textPart('b');
    });
    expect(inFlight()).toBe(1);
    const seen: StreamPart[] = [];
    for await (const part of parts) {
      seen.push(part);
      expect(inFlight()).toBe(1);
    }
    expect(seen).toHaveLength(2);
    expect(inFlight()).toBe(0);
    // Reading past the end changes nothing.
    expect(await parts[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
    expect(inFlight()).toBe(0);
  });

  it('ends when the upstream stream fails, and the reader gets the error', async () => {
    const { parts, inFlight } = await routeStream(async function* () {
      yield textPart('a');
      throw new Error('cut');
    });
    const read = async () => {
      for await (const _part of parts) {
        // read on
      }
    };
    await expect(read()).rejects.toThrow('cut');
    expect(inFlight()).toBe(0);
  });

  it('ends when the reader stops early, and closes the upstream stream', async () => {
    let closed = false;
    const { parts, inFlight } = await routeStream(async function* () {
      try {
        yield textPart('a');
        yield textPart('b');
      } finally {
        closed = true;
      }
    });
    for await (const _part of parts) break;
    expect(closed).toBe(true);
    expect(inFlight()).toBe(0);
  });

  it('passes on the parts its source holds ready, and still ends once, when the source runs out', async () => {
    const held = [textPart('a'), textPart('b'), textPart('c')];
    let index = 0;
    const source: AsyncIterator<StreamPart> & ReadyItems<StreamPart> = {
      next: async () => (index < held.length ? { done: false, value: held[index++]! } : { done: true, value: undefined }),
      takeReady: () => held[index++],
    };
    const { parts, inFlight } = await routeStream(() => ({ [Symbol.asyncIterator]: () => source }));
    const batches: StreamPart[][] = [];
    for await (const batch of readyBatches(parts)) {
      batches.push(batch);
      expect(inFlight()).toBe(1);
    }
    expect(batches).toEqual([held]);
    expect(inFlight()).toBe(0);
  });

  it('without in-flight counts (no least-busy group), hands the stream on as it is and counts nothing', async () => {
    const upstream = (async function* () {
      yield textPart('a');
    })();
    const { parts, inFlight, stats } = await routeStream(() => upstream, false);
    expect(parts).toBe(upstream);
    expect(inFlight()).toBe(0);
    for await (const _part of parts) expect(inFlight()).toBe(0);
    // The time to first byte is still recorded for least-latency.
    expect(stats.latencyOf('a/m')).toBeDefined();
  });
});

describe('needsInFlightCounts', () => {
  it('is true only when a configured group routes by least-busy', () => {
    expect(needsInFlightCounts({})).toBe(false);
    expect(needsInFlightCounts({ alias: 'a/m', g: { deployments: [{ target: 'a/m' }] } } as never)).toBe(false);
    expect(needsInFlightCounts({ g: { strategy: 'least-latency', deployments: [{ target: 'a/m' }] } } as never)).toBe(false);
    expect(needsInFlightCounts({ g: { strategy: 'least-busy', deployments: [{ target: 'a/m' }] }, h: 'b/m' } as never)).toBe(true);
  });
});
