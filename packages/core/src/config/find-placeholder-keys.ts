import type { ValidationProblem } from '../validation/compile-validator.js';
import type { GatewayConfig } from './gateway-config.js';

/** `change-me`, `changeme`, `change_me`: what example configs put where a secret belongs. */
const placeholder = /change[-_]?me/i;

/** Whether a key is still the placeholder an example config ships with. */
export function isPlaceholderKey(key: string): boolean {
  return placeholder.test(key);
}

/**
 * The master key and the auth step's static keys that are still placeholders
 * (`sy-ci-change-me-…` from the example config): a gateway that accepts a key
 * printed in its own docs is open to anyone who read them.
 */
export function findPlaceholderKeys(config: GatewayConfig): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const refuse = (path: string) =>
    problems.push({ path, message: 'is a placeholder key (it contains "change-me"): set a real secret, e.g. from an environment variable' });
  if (typeof config.master_key === 'string' && isPlaceholderKey(config.master_key)) refuse('/master_key');
  if (!Array.isArray(config.chain)) return problems;
  config.chain.forEach((entry, index) => {
    if (typeof entry !== 'object' || entry === null) return;
    const options = (entry as Record<string, unknown>)['auth'] as { keys?: unknown } | undefined;
    if (!options || !Array.isArray(options.keys)) return;
    options.keys.forEach((key: unknown, keyIndex) => {
      const secret = (key as { key?: unknown } | null)?.key;
      if (typeof secret === 'string' && isPlaceholderKey(secret)) refuse(`/chain/${index}/auth/keys/${keyIndex}/key`);
    });
  });
  return problems;
}
