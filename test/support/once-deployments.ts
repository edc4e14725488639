/**
 * OpenAI and Anthropic, both at one loopback upstream, each behind a group that calls it once
 * (no retry, no fallback): what a test of one upstream answer needs, whichever way it is asked.
 * `label` makes the provider keys its own, so a leak names the test it came from.
 */
export function onceDeploymentsAt(origin: string, label: string) {
  return {
    providers: {
      openai: { api_key: `sk-test-${label}-0123456789`, base_url: `${origin}/v1` },
      anthropic: { api_key: `sk-ant-test-${label}-0123456789`, base_url: origin },
    },
    models: {
      'openai-once': { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } },
      'anthropic-once': { deployments: [{ target: 'anthropic/claude-sonnet-4-5' }], retries: { attempts: 0 } },
    },
  };
}

/** A one-message streamed request to `model` in the shape of `route` (Anthropic's needs its max_tokens). */
export function streamedAsk(route: string, model: string): Record<string, unknown> {
  const messages = [{ role: 'user', content: 'hi' }];
  return route === '/v1/messages' ? { model, stream: true, max_tokens: 50, messages } : { model, stream: true, messages };
}
