import type { JsonSchema } from '@switchyard/core';

/** Options of the tenant-tag step. */
export interface TenantTagOptions {
  /** The request header naming the tenant (lower case). */
  header: string;
  /** The tenants that exist; any other value is refused, so a client cannot invent one. */
  tenants: string[];
  /** Refuse requests without the header (otherwise they go untagged). */
  required: boolean;
}

const tenantName = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$' };

export const tenantTagOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['tenants'],
  properties: {
    header: { type: 'string', pattern: '^[a-z0-9-]{1,64}$', default: 'x-tenant' },
    tenants: { type: 'array', items: tenantName, minItems: 1, maxItems: 1000, uniqueItems: true },
    required: { type: 'boolean', default: false },
  },
};
