import { it } from 'vitest';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

it('probe', async () => {
  const gateway = await startTestGateway({ providers: { mock: {} } });
  const post = async (route: string, body: string, headers: Record<string, string> = {}) => {
    const r = await fetch(gateway.origin + route, { method: 'POST', headers: { 'x-api-key': masterKey, authorization: `Bearer ${masterKey}`, 'content-type': 'application/json', ...headers }, body });
    const t = await r.text();
    console.log(route, r.status, body.slice(0, 80), '=>', t.slice(0, 300));
  };
  const m = (extra: string) => `{"model":"mock/echo","messages":[{"role":"user","content":"hi"}]${extra}}`;
  for (const e of [',"max_tokens":-1', ',"max_tokens":1e309', ',"max_tokens":99999999999999999999', ',"max_tokens":1.5', ',"max_tokens":1,"temperature":1e309', ',"max_tokens":1,"messages":[{"role":"user","content":[{"type":"document","source":{}}]}]', ',"max_tokens":1,"messages":[{"role":"user","content":[{"type":"weird"}]}]', ',"max_tokens":1,"messages":[{"role":"system","content":"x"}]', ',"max_tokens":1,"system":[{"type":"image"}]', ',"max_tokens":1,"messages":[]', ',"max_tokens":1,"stream":"yes"', ',"max_tokens":1,"tools":[{"name":"a"}]', ',"max_tokens":1,"thinking":{"type":"enabled","budget_tokens":-5}']) {
    await post('/v1/messages', m(e));
  }
  await post('/v1/messages', '[1,2]');
  await post('/v1/messages', 'null');
  await post('/v1/messages', '{"a":' + '['.repeat(500) + ']'.repeat(500) + '}');
  await post('/v1/messages', '{bad');
  await post('/v1/messages', m(',"max_tokens":5'), { 'content-type': 'text/plain' });
  await post('/v1/messages/count_tokens', m(',"max_tokens":-1'));
  await post('/v1/messages/count_tokens', '{"model":"mock/echo","messages":[]}');
  const r = (extra: string) => `{"model":"mock/echo","input":"hi"${extra}}`;
  for (const e of ['', ',"max_output_tokens":-1', ',"max_output_tokens":1e309', ',"input":[{"type":"weird"}]', ',"input":[]', ',"temperature":5', ',"tools":[{"type":"function"}]', ',"stream":"x"', ',"input":[{"role":"user","content":[{"type":"input_text"}]}]', ',"text":{"format":{"type":"json_schema"}}', ',"reasoning":{"effort":"max"}', ',"metadata":{"a":1}', ',"truncation":"auto"']) {
    await post('/v1/responses', r(e));
  }
  await post('/v1/responses', 'null');
  await gateway.close();
});
