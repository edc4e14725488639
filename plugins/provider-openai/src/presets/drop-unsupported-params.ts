import type { Logger } from '@switchyard/core';

/**
 * Removes body fields the upstream would refuse, and says so in the call's log: a
 * setting the provider cannot honour is a warning, never a failed request. `n: 1`
 * is dropped quietly, since it asks for nothing beyond the default. `logger` may be
 * a function giving it, called only when a field is dropped: a call's logger is a
 * child logger made on first read, not worth making for a request that drops nothing.
 */
export function dropUnsupportedParams(
  body: Record<string, unknown>,
  unsupported: readonly string[],
  provider: string,
  logger: Logger | (() => Logger) | undefined,
): void {
  const dropped: string[] = [];
  for (const field of unsupported) {
    if (!(field in body)) continue;
    const value = body[field];
    delete body[field];
    if (field === 'n' && value === 1) continue;
    dropped.push(field);
  }
  if (dropped.length > 0) {
    const target = typeof logger === 'function' ? logger() : logger;
    target?.warn({ provider, dropped }, `${provider} does not accept ${dropped.join(', ')}; dropped from the request`);
  }
}
