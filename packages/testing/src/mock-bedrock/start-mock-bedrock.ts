import type { MockUpstream } from '../mock-server/mock-upstream.js';
import { newMockServerState, startMockServer } from '../mock-server/start-mock-server.js';
import { loadBedrockErrorCases, type BedrockErrorCase } from './bedrock-error-cases.js';
import { BedrockMockIds } from './bedrock-mock-ids.js';
import { createRequestHandler, type BedrockMockState } from './create-request-handler.js';

export type { BedrockErrorCase };

/** Options of {@link startMockBedrock}. With none set, requests are not authenticated. */
export interface MockBedrockOptions {
  /** SigV4: requests must be signed with this key id (else 403 `UnrecognizedClientException`)… */
  accessKeyId?: string;
  /** …and this secret (else 403 `InvalidSignatureException`); the signature is recomputed with the AWS SDK's signer. */
  secretAccessKey?: string;
  /** A Bedrock API key accepted as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
}

/** A running mock Bedrock Runtime; `url` is the provider's `endpoint` (an origin: paths start at `/model/`). */
export type MockBedrock = MockUpstream<BedrockErrorCase>;

/**
 * Starts a mock Bedrock Runtime over real HTTP on 127.0.0.1 and a free port:
 * `POST /model/{id}/converse`, `/converse-stream` (real binary event-stream
 * frames, one write each) and `/invoke` (Titan embeddings). It checks SigV4
 * signatures or a Bearer API key, is as strict as Bedrock about the conversation
 * (roles, alternation, tool results after their tool use, `toolConfig` with tool
 * history), and answers deterministically, with a queue of scripts for errors
 * from `errors.json`, byte-exact fixture replays (`stream.eventstream.bin` …) and
 * broken streams (`splitBytes` cuts frames mid-frame).
 *
 * @example
 * const mock = await startMockBedrock({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });
 * mock.enqueue({ error: 'rate_limit' });
 * // configure the provider with endpoint: mock.url …
 * await mock.close();
 */
export function startMockBedrock(options: MockBedrockOptions = {}): Promise<MockBedrock> {
  return startMockServer<BedrockMockState, BedrockErrorCase>({
    state: {
      ...newMockServerState(),
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, apiKey: options.apiKey },
      ids: new BedrockMockIds(),
      errors: loadBedrockErrorCases(),
    },
    createHandler: createRequestHandler,
    fixtures: 'bedrock',
  });
}
