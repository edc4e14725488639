import { masterKey, type TestGateway } from './start-test-gateway.js';

/** The two client surfaces a provider's answer is read back through: OpenAI's chat completions and Anthropic's messages. */
export type Dialect = 'chat' | 'messages';
export const dialects: readonly Dialect[] = ['chat', 'messages'];

/** POSTs `body` with the master key to the dialect's route: /v1/chat/completions or /v1/messages. */
export function callInDialect(gateway: TestGateway, dialect: Dialect, body: object): Promise<Response> {
  return fetch(`${gateway.baseURL}/${dialect === 'chat' ? 'chat/completions' : 'messages'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
