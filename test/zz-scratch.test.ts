import { it } from 'vitest';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

it('probe', async () => {
  const gateway = await startTestGateway({ providers: { mock: {} } });
  for (const [route, body] of [['/v1/messages', '{"model":"mock/echo","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'], ['/v1/messages', '{"model":"nope/x","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'], ['/v1/responses', '{"model":"mock/echo","input":"hi"}']]) {
    const r = await fetch(gateway.origin + route!, { method: 'POST', headers: { 'x-api-key': masterKey, authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' }, body: body! });
    console.log(route, r.status, JSON.stringify([...r.headers]), (await r.text()).slice(0, 200));
  }
  await gateway.close();
});
