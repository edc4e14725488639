import { invalidRequest } from './check-ingress-body.js';

/**
 * Refuses `stream` inside a client's `provider_options` (`{ openai: { stream: true } }`).
 * Provider options are merged into the upstream body, but whether the answer is a
 * stream is the gateway's to decide, from the body's own `stream`: one turned on in
 * the options made the upstream stream to a gateway reading JSON, a 502 the client
 * caused, counted against the deployment.
 *
 * @throws {GatewayError} `invalid_request` (400), `param: 'provider_options.<name>.stream'`.
 */
export function checkProviderOptions(providerOptions: unknown): void {
  if (typeof providerOptions !== 'object' || providerOptions === null) return;
  for (const [name, options] of Object.entries(providerOptions)) {
    if (typeof options === 'object' && options !== null && Object.hasOwn(options, 'stream')) {
      const pointer = `/provider_options/${name.replace(/~/g, '~0').replace(/\//g, '~1')}/stream`;
      throw invalidRequest(pointer, "set 'stream' at the top level of the body, where the gateway reads it");
    }
  }
}
