import { invalidRequest } from './check-ingress-body.js';

/**
 * Fields of the upstream body the gateway itself governs, each with why a client's
 * `provider_options` may not set it (they are merged into the upstream body).
 */
const governedFields: Record<string, string> = {
  // One turned on made the upstream stream to a gateway reading JSON: a 502 the client caused.
  stream: "set 'stream' at the top level of the body, where the gateway reads it",
  // The top-level `n` is 1 at most: budgets hold for one choice, and one choice is answered.
  n: "the gateway answers one choice; 'n' is set at the top level, where it is 1 at most",
};

/**
 * Refuses a field the gateway governs (`stream`, `n`) inside a client's
 * `provider_options` (`{ openai: { stream: true } }`), before any upstream call.
 *
 * @throws {GatewayError} `invalid_request` (400), `param: 'provider_options.<name>.<field>'`.
 */
export function checkProviderOptions(providerOptions: unknown): void {
  if (typeof providerOptions !== 'object' || providerOptions === null) return;
  for (const [name, options] of Object.entries(providerOptions)) {
    if (typeof options !== 'object' || options === null) continue;
    for (const field of Object.keys(governedFields)) {
      if (!Object.hasOwn(options, field)) continue;
      const pointer = `/provider_options/${name.replace(/~/g, '~0').replace(/\//g, '~1')}/${field}`;
      throw invalidRequest(pointer, governedFields[field]!);
    }
  }
}
