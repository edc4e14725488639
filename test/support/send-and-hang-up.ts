import { request } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { TestGateway } from './start-test-gateway.js';

/** Where the client hangs up: never, once the gateway has the request (before any answer), or after some chunks of it. */
export type HangUp = 'never' | 'before-headers' | 'first-chunk' | 'third-chunk';

/** Sends one request and resolves once it is answered or the client hung up as told (the gateway has it either way). */
export function sendAndHangUp(gateway: TestGateway, secret: string, endpoint: string, body: unknown, hangUp: HangUp): Promise<void> {
  return new Promise((resolve) => {
    let answered = false;
    const req = request(`${gateway.baseURL}/${endpoint}`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' } });
    const hangUpNow = () => {
      req.destroy();
      resolve();
    };
    req.on('response', (res) => {
      answered = true;
      let chunks = 0;
      res.on('data', () => {
        chunks++;
        if ((hangUp === 'first-chunk' && chunks >= 1) || (hangUp === 'third-chunk' && chunks >= 3)) hangUpNow();
      });
      res.on('end', () => resolve());
      res.on('error', () => resolve());
    });
    req.on('error', () => resolve());
    req.end(JSON.stringify(body));
    if (hangUp === 'before-headers') {
      void (async () => {
        while (!answered && gateway.gateway.activeRequests === 0) await nextTurn();
        if (!answered) hangUpNow();
      })();
    }
  });
}
