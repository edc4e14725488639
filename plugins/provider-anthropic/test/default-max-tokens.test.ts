import type { ChatRequest, HttpChatAdapter } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { buildMessagesBody, defaultMaxTokensFor } from '../src/build-messages-body.js';
import { createAnthropicAdapters } from '../src/create-anthropic-adapters.js';
import type { AnthropicOptions } from '../src/anthropic-options.js';

const chat = (anthropic?: unknown): ChatRequest =>
  ({
    model: 'anthropic/claude-sonnet-4-5',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Think hard.' }] }],
    stream: false,
    ...(anthropic !== undefined && { providerOptions: { anthropic } }),
  }) as ChatRequest;

const thinking = (budget_tokens: unknown) => ({ thinking: { type: 'enabled', budget_tokens } });

/** Requests without max_tokens, in the shapes providerOptions.anthropic takes. */
const requests: Array<[string, ChatRequest]> = [
  ['no provider options', chat()],
  ['options without thinking', chat({ top_k: 5, betas: ['prompt-caching-2024-07-31'] })],
  ['thinking disabled', chat({ thinking: { type: 'disabled', budget_tokens: 9000 } })],
  ['a thinking budget of 1', chat(thinking(1))],
  ['a thinking budget of 20,000', chat(thinking(20_000))],
  ['a thinking budget under the interleaved-thinking beta', chat({ ...thinking(30_000), betas: ['interleaved-thinking-2025-05-14'] })],
  ['a max_tokens in the options (the embedded API; the ingress refuses it)', chat({ max_tokens: 12_345, ...thinking(2000) })],
  ['options that are null', chat(null)],
];

describe('defaultMaxTokensFor: the max_tokens a request without one is sent', () => {
  for (const configured of [1, 4096, 100_000]) {
    for (const [name, request] of requests) {
      it(`is what buildMessagesBody writes: ${name}, default_max_tokens ${configured}`, () => {
        const { body } = buildMessagesBody(request, 'claude-sonnet-4-5', { default_max_tokens: configured, structured_outputs: 'output_config' });
        expect(defaultMaxTokensFor(request, configured)).toBe(body.max_tokens);
      });
    }
  }

  it('counts a thinking budget the body refuses as none (nothing is sent), without throwing', () => {
    for (const budget of [0, -5000, 0.5, 1e300, '2048', undefined]) {
      const request = chat(thinking(budget));
      expect(() => buildMessagesBody(request, 'm', { default_max_tokens: 4096, structured_outputs: 'output_config' }), String(budget)).toThrow(/budget_tokens/);
      expect(defaultMaxTokensFor(request, 4096), String(budget)).toBe(4096);
    }
  });

  it("is the chat adapter's defaultOutputLimit: what the adapter declares is what its upstream request carries", () => {
    const options: AnthropicOptions = {
      api_key: 'k',
      base_url: 'https://api.anthropic.com',
      anthropic_version: '2023-06-01',
      beta: [],
      auth_header: 'x-api-key',
      headers: {},
      default_max_tokens: 16_000,
      structured_outputs: 'output_config',
      timeouts: {},
      models_ttl_ms: 1,
    };
    const chatAdapter = createAnthropicAdapters(options).chat as HttpChatAdapter;
    for (const [name, request] of requests) {
      const sent = JSON.parse(chatAdapter.buildRequest(request, 'm', {} as never).body!) as { max_tokens: number };
      expect(chatAdapter.defaultOutputLimit?.(request), name).toBe(sent.max_tokens);
    }
  });
});
