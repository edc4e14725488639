import { MockIds } from '../mock-openai/mock-ids.js';
import type { MockUpstream } from '../mock-server/mock-upstream.js';
import { newMockServerState, startMockServer } from '../mock-server/start-mock-server.js';
import { azureFixtures, loadAzureErrorCases, type AzureErrorCase } from './azure-error-cases.js';
import { createRequestHandler, type AzureMockState } from './create-request-handler.js';

export type { AzureErrorCase };

/** Options of {@link startMockAzure}. */
export interface MockAzureOptions {
  /**
   * When set (or `bearerToken` is), a request without this key in `api-key` gets
   * Azure's 401 (`errors.json` `invalid_key`); checked before anything else.
   */
  apiKey?: string;
  /** An Entra ID token accepted as `Authorization: Bearer <token>`. */
  bearerToken?: string;
}

/**
 * A running mock Azure OpenAI resource. `url` is the endpoint to configure the
 * provider with (`http://127.0.0.1:PORT`, standing in for
 * `https://{resource}.openai.azure.com`); a script's `match.path` names the
 * operation (`/chat/completions`, `/embeddings`, `/models`), whichever URL style
 * reaches it.
 */
export type MockAzure = MockUpstream<AzureErrorCase>;

/**
 * Starts a mock Azure OpenAI resource over real HTTP on 127.0.0.1 and a free
 * port, speaking the wire format of the shared `azure-openai` fixtures: chat
 * completions and embeddings on deployment URLs (`/openai/deployments/{d}/…`,
 * `api-version` required; the deployment is echoed as the model) and on the v1
 * API (`/openai/v1/…`, the deployment as body `model`), and the model list.
 * Answers carry Azure's content-filter verdicts, and streams open with the
 * filter-only chunk. Default replies are the OpenAI mock's (echo, tool result
 * acknowledgement, forced tool calls); scripts act out `errors.json` cases,
 * replay fixtures byte for byte and break streams.
 *
 * @example
 * const mock = await startMockAzure({ apiKey: 'azure-key' });
 * mock.enqueue({ error: 'content_filter' });
 * // configure the provider with endpoint: mock.url, api_key: 'azure-key' …
 * await mock.close();
 */
export function startMockAzure(options: MockAzureOptions = {}): Promise<MockAzure> {
  return startMockServer<AzureMockState, AzureErrorCase>({
    state: {
      ...newMockServerState(),
      apiKey: options.apiKey,
      bearerToken: options.bearerToken,
      ids: new MockIds(),
      errors: loadAzureErrorCases(),
    },
    createHandler: createRequestHandler,
    fixtures: azureFixtures,
  });
}
