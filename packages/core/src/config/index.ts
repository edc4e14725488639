export { ConfigError, type ConfigProblem } from './config-error.js';
export { checkConfig, configSearchPlaces, findConfigProblems, loadConfig, readConfigFile, type ConfigFile, type LoadConfigOptions, type LoadedConfig } from './load-config.js';
export { gatewayConfigSchema } from './gateway-config-schema.js';
export { defaultChain, type ChainEntry, type DashboardConfig, type GatewayConfig, type LogLevel, type ProviderEntry, type ResourceLimits } from './gateway-config.js';
export { resolveEnvReferences } from './resolve-env-references.js';
export { findPlaceholderKeys, isPlaceholderKey } from './find-placeholder-keys.js';
export { configuredDeployments } from './configured-deployments.js';
export { percentEncodeProblem, redisUrlProblem, redisUrlProblems, unencodedInUserinfo } from './connection-url.js';
export { literalSecretWarnings } from './find-literal-secrets.js';
