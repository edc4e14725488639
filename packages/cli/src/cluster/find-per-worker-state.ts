import type { ChainEntry } from '@switchyard/core';

/** A chain step whose state lives in each process's memory, and what that means with several workers. */
export interface PerWorkerState {
  step: string;
  effect: string;
}

function optionsOf(entry: ChainEntry): [string, Record<string, unknown>] {
  if (typeof entry === 'string') return [entry, {}];
  const [name, options] = Object.entries(entry)[0] ?? ['', {}];
  return [name, typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {}];
}

function uses(option: unknown): unknown {
  return typeof option === 'object' && option !== null ? (option as { use?: unknown }).use : undefined;
}

function grantRequests(options: Record<string, unknown>): unknown {
  const grants = options['budget_grants'];
  return typeof grants === 'object' && grants !== null ? (grants as { requests?: unknown }).requests : undefined;
}

/**
 * The steps of a chain that keep their state in process memory: with N workers
 * each worker has its own copy. Exact limits across workers need Redis.
 */
export function findPerWorkerState(chain: ChainEntry[]): PerWorkerState[] {
  const found: PerWorkerState[] = [];
  for (const entry of chain) {
    const [name, options] = optionsOf(entry);
    if (name === 'rate-limit' && uses(options['store']) !== 'redis') {
      found.push({ step: name, effect: 'rpm/tpm are counted per worker: a key may get up to N times its limit (store: { use: redis } makes them exact)' });
    } else if (name === 'cache' && uses(options['store']) !== 'redis') {
      found.push({ step: name, effect: 'each worker caches on its own (store: { use: redis } shares one cache)' });
    } else if (name === 'circuit-breaker' && uses(options['shared']) !== 'redis') {
      found.push({ step: name, effect: 'each worker opens its own circuits (shared: { use: redis } shares them)' });
    } else if (name === 'key-scope' && grantRequests(options) !== 0) {
      found.push({
        step: name,
        effect:
          "each worker holds its own budget grants (at most 1/20 of a limit each): near a limit a request may be refused while another worker's grant has room, until it idles out (budget_grants: { requests: 0 } reserves per request); spend never exceeds a limit",
      });
    }
  }
  return found;
}
