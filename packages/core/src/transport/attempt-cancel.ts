/**
 * What the transport needs of a cancellation: whether it happened, why, and one
 * listener for when it does. An AbortSignal is one; so is AttemptCancel.
 */
export interface CancelSource {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * The cancellation of one attempt (its timeout, the deadline, the client leaving),
 * with an AbortSignal made only when something reads `signal`. The core's own
 * transport listens on the handle itself, so most attempts never make one: an
 * AbortController costs an EventTarget and its listener map per attempt.
 *
 * It is also the attempt's `AttemptOptions`: an interceptor reading `options.signal`
 * gets the signal, made then and aborted with the handle.
 */
export class AttemptCancel implements CancelSource {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Array<() => void> | undefined;
  private controller: AbortController | undefined;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Cancels the attempt once; later calls keep the first reason. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = undefined;
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        // As an EventTarget does: a throwing listener neither stops the others nor the caller.
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }

  /** Like an AbortSignal's: called once, on abort; never if added after it, nor twice if added twice. */
  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    const listeners = (this.listeners ??= []);
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.listeners;
    if (!listeners) return;
    const index = listeners.indexOf(listener);
    if (index >= 0) listeners.splice(index, 1);
  }
}

/**
 * Where a provider call made by the core keeps its cancellation, beside the public
 * `signal`: the transport reads it to cancel an upstream request without making the
 * signal. A symbol, so plugins see only `signal`; a spread of the call still carries it.
 */
export const callCancellation = Symbol('switchyard.callCancellation');

/** The cancellation of a provider call: the core's handle when it made the call, else the call's signal. */
export function cancellationOf(call: { readonly signal: AbortSignal }): CancelSource {
  return (call as { [callCancellation]?: CancelSource })[callCancellation] ?? call.signal;
}
