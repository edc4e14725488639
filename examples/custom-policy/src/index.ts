import { tenantTag } from './tenant-tag-step.js';

export default tenantTag;
export { tenantTag };
export { tenantTagOptionsSchema, type TenantTagOptions } from './tenant-tag-options.js';
