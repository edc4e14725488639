import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** What runSteps reports besides running the steps. */
export interface RunStepsOptions {
  /**
   * Called exactly once per request when the chain is over: a step passed an error
   * on, the last step called `next()`, or every step that was called has returned
   * (an async step's promise settled) without passing the request on. A step that
   * returns without calling `next()` or answering is waited for until it calls
   * `next()` or the response closes.
   */
  onSettled?: (req: Request, res: Response) => void;
}

/**
 * Runs middleware in order as one handler, the way an Express route would, but
 * without the router's per-layer bookkeeping on every request. Steps stay plain
 * Express middleware: they call `next()`, `next(error)`, throw, or reject. Once the
 * response has closed, `next()` runs no further step: the client is gone.
 */
export function runSteps(steps: readonly RequestHandler[], options: RunStepsOptions = {}): RequestHandler {
  return (req: Request, res: Response, done: NextFunction) => {
    let index = 0;
    // Steps called whose work is not over: an unsettled promise, or a callback-style step yet to call next().
    let active = 0;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      options.onSettled?.(req, res);
    };
    const leave = (): void => {
      if (--active === 0) settle();
    };
    const finish = (error?: unknown): void => {
      done(error);
      settle();
    };
    const next = (error?: unknown): void => {
      if (error !== undefined && error !== null) {
        finish(error);
        return;
      }
      const step = steps[index++];
      if (!step) {
        finish();
        return;
      }
      // The client is gone: no further step runs; the chain settles as the steps under way return.
      if (res.closed) return;
      active++;
      let passedOn = false;
      let isWaiting = false;
      const stepNext = (stepError?: unknown): void => {
        if (passedOn) return;
        passedOn = true;
        if (isWaiting) {
          isWaiting = false;
          // Continue first, so the next step is counted before this one leaves.
          next(stepError);
          leave();
          return;
        }
        next(stepError);
      };
      let result: unknown;
      try {
        result = step(req, res, stepNext);
      } catch (caught) {
        finish(caught);
        leave();
        return;
      }
      if (result instanceof Promise) {
        result.then(leave, (caught: unknown) => {
          finish(caught ?? new Error('a step rejected'));
          leave();
        });
      } else if (passedOn || res.writableEnded || res.closed) {
        leave();
      } else {
        isWaiting = true;
        res.once('close', () => {
          if (!isWaiting) return;
          isWaiting = false;
          leave();
        });
      }
    };
    active++;
    next();
    leave();
  };
}
