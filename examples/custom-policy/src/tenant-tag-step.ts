import { definePlugin, GatewayError, getContext } from '@switchyard/core';
import { tenantTagOptionsSchema, type TenantTagOptions } from './tenant-tag-options.js';

/**
 * The tenant-tag step: reads the tenant from a request header and records the
 * request under it (the principal's `project`, so the ledger and
 * `switchyard usage --group-by project` show spend per tenant). Only tenants
 * listed in the options are accepted, so a header value never becomes a ledger
 * key or log field unchecked. Goes after `auth`, which sets the principal.
 */
export const tenantTag = definePlugin<TenantTagOptions>({
  name: 'tenant-tag',
  optionsSchema: tenantTagOptionsSchema,
  create(options) {
    const tenants = new Set(options.tenants);
    return (req, res, next) => {
      const context = getContext(res);
      const value = req.headers[options.header];
      if (value === undefined) {
        if (options.required) throw new GatewayError('invalid_request', `The ${options.header} header is required.`, { param: options.header });
        next();
        return;
      }
      // The value is not quoted back: it is the client's, and may be anything.
      if (typeof value !== 'string' || !tenants.has(value)) {
        throw new GatewayError('invalid_request', `The ${options.header} header does not name a known tenant.`, { param: options.header });
      }
      if (!context.principal) throw new GatewayError('missing_api_key', 'tenant-tag needs the auth step before it.');
      context.principal = { ...context.principal, project: value };
      next();
    };
  },
});
