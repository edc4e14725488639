import type { RequestRecord } from '@switchyard/core';
import { startTestGateway, type TestGateway } from './start-test-gateway.js';
import { onceModels, recordQueue } from './request-records.js';

/** Which of the pair: the gateway with the same-dialect fast path, or the one without. */
export type PathName = 'fast' | 'translated';

/** One config served twice: with the same-dialect fast path and without it (`server.fast_path: false`). */
export interface GatewayPair extends Record<PathName, TestGateway> {
  /** The record of the next request `gateway` finishes. Ask before sending it: records are handed out as requests finish. */
  nextRecord(gateway: TestGateway): Promise<RequestRecord>;
  /** One request to the gateway on `path`: what the client read, and the ledger's record of it. */
  exchange<T>(path: PathName, request: (gateway: TestGateway) => Promise<T>): Promise<{ read: T; record: RequestRecord }>;
  close(): Promise<void>;
}

/** For tests that compare what a client reads, and what the ledger records, on both paths. */
export async function startGatewayPair(config: Record<string, unknown>): Promise<GatewayPair> {
  const fast = await startTestGateway(config);
  const translated = await startTestGateway({ ...config, server: { ...(config['server'] as object | undefined), fast_path: false } });
  const records = new Map([fast, translated].map((gateway) => [gateway, recordQueue(gateway)]));
  const nextRecord = (gateway: TestGateway) => records.get(gateway)!.next();
  return {
    fast,
    translated,
    nextRecord,
    async exchange(path, request) {
      const gateway = path === 'fast' ? fast : translated;
      const recorded = nextRecord(gateway);
      const read = await request(gateway);
      return { read, record: await recorded };
    },
    close: async () => {
      await fast.close();
      await translated.close();
    },
  };
}

/**
 * A config for a replaying upstream spoken to as OpenAI and as the Groq preset (one
 * compatible server), each through a model `<provider>-once` that reaches it exactly
 * once: no retries of a failing answer.
 */
export function openAIAndGroqOnce(baseUrl: string, apiKey: string): Record<string, unknown> {
  return {
    providers: {
      openai: { api_key: apiKey, base_url: baseUrl },
      groq: { use: 'openai', preset: 'groq', api_key: apiKey, base_url: baseUrl },
    },
    models: onceModels({ openai: 'openai/gpt-4o-mini', groq: 'groq/gpt-4o-mini' }),
    chain: ['auth', 'key-scope', 'route', 'adapter'],
  };
}
