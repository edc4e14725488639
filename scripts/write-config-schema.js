// Writes config/switchyard.schema.json from the schema the gateway checks configs
// against, for editors (yaml-language-server) and CI. Run after `npm run build`.
import { writeFileSync } from 'node:fs';
import { gatewayConfigSchema } from '../packages/core/dist/index.js';

const target = new URL('../config/switchyard.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...gatewayConfigSchema }, null, 2)}\n`);
process.stdout.write(`wrote ${target.pathname}\n`);
