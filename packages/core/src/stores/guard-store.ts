import { GatewayError, isGatewayError } from '../errors/gateway-error.js';
import type { StoreHealth } from './store-health.js';

export interface StoreBoundaryOptions {
  /** Records every call's outcome, for `/health` and throttled logging. */
  health: StoreHealth;
  /**
   * Whether an error means the store could not be reached or did not answer in time
   * (refused, reset, timed out, locked) rather than a bug or a constraint violation.
   */
  isOutage(error: unknown): boolean;
  /** Sent as `Retry-After` with the 503. */
  retryAfterSeconds: number;
}

/** Whether `error` is what the store boundary answers for an outage (503 `store_unavailable`): the store did not answer, so nothing about the call is known. */
export function isStoreOutage(error: unknown): error is GatewayError {
  return isGatewayError(error) && error.code === 'store_unavailable';
}

/**
 * Methods left as they are: startup and shutdown report their own errors. They run on the store
 * itself, not on the guard: what they call of their own (PostgreSQL's shared migration, its pool's
 * close) is neither a call a request made nor an answer from the store. Run on the guard, a start
 * whose migration failed (a role refused every connection) logged the store unavailable to
 * requests, then, as it closed its pool, "store reachable again", and exited 1.
 */
const unguarded = new Set<PropertyKey>(['migrate', 'close']);

/**
 * Wraps a store so that an outage becomes a 503 `store_unavailable` GatewayError at
 * the store's boundary: the steps (auth's key lookup, key-scope's budget
 * reservation, the usage recorder) then answer or retry without special cases.
 * Every call's outcome is reported to `health`. Errors that are not outages pass
 * through unchanged.
 */
export function guardStore<T extends object>(store: T, options: StoreBoundaryOptions): T {
  const convert = (error: unknown, begun: number): unknown => {
    if (isGatewayError(error) || !options.isOutage(error)) return error;
    options.health.failed(error, begun);
    return new GatewayError('store_unavailable', 'The gateway cannot reach its database right now; try again shortly.', {
      retryAfterSeconds: options.retryAfterSeconds,
      cause: error,
    });
  };
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'constructor') return value;
      let guarded = wrapped.get(property);
      if (!guarded && unguarded.has(property)) {
        guarded = (value as (...args: unknown[]) => unknown).bind(target);
        wrapped.set(property, guarded);
      }
      if (!guarded) {
        const method = value as (...args: unknown[]) => unknown;
        guarded = (...args: unknown[]) => {
          // Its outcome counts only if the store has not changed state meanwhile (see StoreHealth).
          const begun = options.health.begin();
          let result: unknown;
          try {
            result = method.apply(target, args);
          } catch (error) {
            throw convert(error, begun);
          }
          if (!isPromiseLike(result)) {
            options.health.succeeded(begun);
            return result;
          }
          return Promise.resolve(result).then(
            (resolved) => {
              options.health.succeeded(begun);
              return resolved;
            },
            (error: unknown) => {
              throw convert(error, begun);
            },
          );
        };
        wrapped.set(property, guarded);
      }
      return guarded;
    },
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
