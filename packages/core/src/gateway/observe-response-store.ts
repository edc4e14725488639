import type { Logger } from '../logging/create-logger.js';
import { throttled } from '../logging/throttled.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { ResponseStore, StoredResponse } from '../stores/response-store.js';
import { isStoredResponseTooLarge } from '../stores/stored-response-too-large.js';

/** The response store's calls, as the `operation` label of its failure counter. */
export type ResponseStoreOperation = 'put' | 'get' | 'delete' | 'sweep';

/** The counters of a gateway's stored responses (created once per gateway, on its registry). */
export interface ResponseStoreCounters {
  countSwept(count: number): void;
  countFailure(operation: ResponseStoreOperation): void;
  countTooLarge(): void;
}

/**
 * Registers the stored-response metrics: responses swept, store calls that failed
 * (by operation: four values), and responses answered but not stored because they
 * were too large. No label comes from a client.
 */
export function responseStoreCounters(metrics: GatewayMetrics): ResponseStoreCounters {
  const swept = metrics.counter({ name: 'switchyard_responses_swept_total', help: 'Expired stored Responses API responses deleted by the periodic sweep.' });
  const failures = metrics.counter({
    name: 'switchyard_response_store_failures_total',
    help: 'Calls of the stored-response store that failed (outage, timeout), by operation.',
    labelNames: ['operation'],
  });
  const notStored = metrics.counter({
    name: 'switchyard_responses_not_stored_total',
    help: 'Responses answered but not stored, by reason (too_large: over the storage plugin’s max_stored_response_bytes).',
    labelNames: ['reason'],
  });
  return {
    countSwept: (count) => swept.inc(count),
    countFailure: (operation) => failures.inc({ operation }),
    countTooLarge: () => notStored.inc({ reason: 'too_large' }),
  };
}

/**
 * Wraps the gateway's response store so that every failure is counted and a
 * response too large to store is logged (at most once a minute) and counted. Errors
 * still reach the caller unchanged: the Responses ingress decides what a failed call
 * means for its request (a failed `put` leaves the answer unstored, never failed).
 */
export function observeResponseStore(store: ResponseStore, counters: ResponseStoreCounters, logger: Logger): ResponseStore {
  const warnTooLarge = throttled(60_000, (error: { responseId: string; bytes: number; maxBytes: number }) =>
    logger.warn(
      { responseId: error.responseId, bytes: error.bytes, maxBytes: error.maxBytes },
      'a response was too large to store: it was answered, but GET and previous_response_id will not find it (logged once a minute)',
    ),
  );
  const observed = <T>(operation: ResponseStoreOperation, call: () => Promise<T>): Promise<T> =>
    call().catch((error: unknown) => {
      if (isStoredResponseTooLarge(error)) {
        counters.countTooLarge();
        warnTooLarge(error);
      } else {
        counters.countFailure(operation);
      }
      throw error;
    });
  return {
    migrate: () => store.migrate(),
    put: (response: StoredResponse) => observed('put', () => store.put(response)),
    get: (ownerKeyId, id) => observed('get', () => store.get(ownerKeyId, id)),
    delete: (ownerKeyId, id) => observed('delete', () => store.delete(ownerKeyId, id)),
    deleteExpired: (now) => store.deleteExpired(now),
    close: () => store.close(),
  };
}
