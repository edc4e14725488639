export { builtInPlugins } from './built-in-plugins.js';
export { obtainMasterKey, type MasterKey } from './master-key.js';
export { startCommand, type StartOptions } from './commands/start.js';
export { validateCommand } from './commands/validate.js';
