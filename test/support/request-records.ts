import type { RequestRecord } from '@switchyard/core';
import type { TestGateway } from './start-test-gateway.js';

/**
 * The records of a gateway's requests, handed out in the order they finish: ask for
 * the next one (`next()`) before sending the request it is for.
 */
export function recordQueue(gateway: TestGateway): { next(): Promise<RequestRecord> } {
  const waiters: Array<(record: RequestRecord) => void> = [];
  gateway.gateway.runtime.onRequestFinished((record) => waiters.shift()?.(record));
  return { next: () => new Promise<RequestRecord>((resolve) => waiters.push(resolve)) };
}

/** A model `<name>-once` for each `name → provider/model`: it reaches its target exactly once, no retries of a failing answer. */
export function onceModels(targets: Record<string, string>): Record<string, { deployments: Array<{ target: string }>; retries: { attempts: number } }> {
  return Object.fromEntries(Object.entries(targets).map(([name, target]) => [`${name}-once`, { deployments: [{ target }], retries: { attempts: 0 } }]));
}
