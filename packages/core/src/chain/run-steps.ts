import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs middleware in order as one handler, the way an Express route would, but
 * without the router's per-layer bookkeeping on every request. Steps stay plain
 * Express middleware: they call `next()`, `next(error)`, throw, or reject.
 */
export function runSteps(steps: readonly RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, done: NextFunction) => {
    let index = 0;
    const next = (error?: unknown): void => {
      if (error !== undefined && error !== null) {
        done(error);
        return;
      }
      const step = steps[index++];
      if (!step) {
        done();
        return;
      }
      try {
        const result: unknown = step(req, res, next);
        if (result instanceof Promise) result.catch((caught: unknown) => done(caught ?? new Error('a step rejected')));
      } catch (caught) {
        done(caught);
      }
    };
    next();
  };
}
