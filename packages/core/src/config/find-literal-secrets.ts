import path from 'node:path';
import { pointerToParam } from '../validation/compile-validator.js';
import { lineLocator } from './config-error.js';

/** A provider's options that hold its credential. */
const providerSecretFields = ['api_key', 'secret_access_key'] as const;

/**
 * Shorter literals are names, not secrets: what a local server that needs no key is given
 * (`api_key: ollama`, `lm-studio`); every real provider key is longer.
 */
const minimumSecretLength = 16;

/** Whether a config value is written out in the file rather than read from `${VAR}`. */
function isLiteralSecret(value: unknown): value is string {
  return typeof value === 'string' && value.length >= minimumSecretLength && !value.includes('${');
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The environment variable to suggest for a provider's secret: `${OPENAI_API_KEY}`. */
function variableFor(provider: string, field: string): string {
  const name = `${provider}_${field}`.toUpperCase().replace(/[^A-Z0-9_]+/g, '_');
  return /^[A-Z_]/.test(name) ? name : `_${name}`;
}

/**
 * One warning for each secret written out in a YAML or JSON config file (the config's `master_key`, a
 * provider's `api_key` or `secret_access_key`), instead of `${VAR}` read from the environment: the file
 * is copied, committed and shared, and the secret with it. Each names the file, the line and the
 * setting, never the value. A JavaScript or TypeScript config is passed over: its values come from
 * code, most often process.env. `raw`: the config as read, before `${VAR}` is resolved.
 */
export function literalSecretWarnings(raw: unknown, file: string | undefined, sourceText: string | undefined): string[] {
  if (file === undefined || !isObject(raw) || !/^(\.ya?ml|\.json|)$/.test(path.extname(file))) return [];
  const found: Array<{ pointer: string; advice: string }> = [];
  if (isLiteralSecret(raw['master_key'])) found.push({ pointer: '/master_key', advice: 'set SWITCHYARD_MASTER_KEY instead, or write master_key: ${SWITCHYARD_MASTER_KEY}' });
  const providers = raw['providers'];
  if (isObject(providers)) {
    for (const [provider, options] of Object.entries(providers)) {
      if (!isObject(options)) continue;
      for (const field of providerSecretFields) {
        if (!isLiteralSecret(options[field])) continue;
        const pointer = `/providers/${provider.replace(/~/g, '~0').replace(/\//g, '~1')}/${field}`;
        found.push({ pointer, advice: `write ${field}: \${${variableFor(provider, field)}} and set that variable` });
      }
    }
  }
  const locate = sourceText === undefined ? undefined : lineLocator(sourceText);
  return found.map(({ pointer, advice }) => {
    const line = locate?.(pointer);
    return `${file}${line ? `:${line}` : ''} ${pointerToParam(pointer)}: a secret written in the config file, which is copied, committed and shared with it; ${advice}`;
  });
}
