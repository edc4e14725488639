export { builtInPlugins } from './built-in-plugins.js';
export { obtainMasterKey, saveGeneratedMasterKey, type MasterKey } from './master-key.js';
export { startCommand, type StartOptions } from './commands/start.js';
export { validateCommand } from './commands/validate.js';
export { keysCommand } from './commands/keys.js';
export { usageCommand } from './commands/usage.js';
export { callAdmin, resolveConnection, type AdminConnection } from './admin-client.js';
export { CliError } from './cli-error.js';
export { createStandaloneApp } from './create-standalone-app.js';
