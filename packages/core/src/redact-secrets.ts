/**
 * `@switchyard/core/redact-secrets`: secret redaction alone, for code that must not load
 * the rest of core. The CLI's `keys` and `usage` commands blank a pasted key in what they
 * echo; importing the main entry for it loaded Express, ajv, pino, prom-client and undici
 * first, several seconds per command on a busy machine.
 */
export { redactSecrets, SecretRedactor } from './errors/redact-secrets.js';
