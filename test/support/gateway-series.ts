import { expect } from 'vitest';
import { sendRawRequest } from './raw-http-request.js';

/**
 * The gateway's own series on /metrics (name and labels, without the value), but the one
 * that names made-up models up to its own bound (unpriced-models.test.ts): a test sending
 * made-up names twice compares them to see that no series was added per name. Also without
 * the ledger's flush histogram: its `outcome` (`ok`, `failed`) first appears when the ledger
 * first flushes, or first fails to under load, on its own clock (`usage.flush_interval_ms`),
 * so it could appear between two rounds (15 lines: a CI-like load run failed on it).
 */
export async function gatewaySeries(origin: string): Promise<string[]> {
  const answer = await sendRawRequest(origin, { method: 'GET', path: '/metrics', headers: [] });
  expect(answer.status).toBe(200);
  return answer.text
    .split('\n')
    .filter((line) => line.startsWith('switchyard_') && !line.startsWith('switchyard_unpriced_calls_total') && !line.startsWith('switchyard_usage_flush_duration_seconds'))
    .map((line) => line.slice(0, line.lastIndexOf(' ')));
}
