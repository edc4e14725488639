import { expect } from 'vitest';
import { sendRawRequest } from './raw-http-request.js';

/**
 * The gateway's own series on /metrics (name and labels, without the value), but the one
 * that names made-up models up to its own bound (unpriced-models.test.ts): a test sending
 * made-up names twice compares them to see that no series was added per name.
 */
export async function gatewaySeries(origin: string): Promise<string[]> {
  const answer = await sendRawRequest(origin, { method: 'GET', path: '/metrics', headers: [] });
  expect(answer.status).toBe(200);
  return answer.text
    .split('\n')
    .filter((line) => line.startsWith('switchyard_') && !line.startsWith('switchyard_unpriced_calls_total'))
    .map((line) => line.slice(0, line.lastIndexOf(' ')));
}
