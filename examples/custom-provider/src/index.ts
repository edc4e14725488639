import { defineProvider } from '@switchyard/core';
import { acmeOptionsSchema, type AcmeOptions } from './acme-options.js';
import { createAcmeAdapters } from './create-acme-adapters.js';

/** The Acme Chat provider: `providers: { acme: { use: '@switchyard/example-custom-provider', api_key: ${ACME_API_KEY} } }`. */
const acme = defineProvider<AcmeOptions>({
  name: 'acme',
  optionsSchema: acmeOptionsSchema,
  create: (options) => createAcmeAdapters(options),
});

export default acme;
export { acme, acmeOptionsSchema, createAcmeAdapters, type AcmeOptions };
export type * from './acme-wire-types.js';
