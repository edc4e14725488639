import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response, Router } from 'express';

/** Set on a request whose route the table ran, so that route's ordinary layer does not run it again. */
const servedByTable = Symbol('switchyard.servedByHotRoutes');

interface RequestServedByTable extends Request {
  [servedByTable]?: boolean;
}

interface HotRoute {
  handler: RequestHandler;
  errors: ErrorRequestHandler | undefined;
}

/**
 * The gateway's busiest routes (the model calls), matched with one Map lookup on
 * method and path instead of the Express router walking every layer for them.
 *
 * `middleware` is the router's first layer. A request whose path is exactly a
 * registered one (query aside) runs that route's handler at once. Each route is
 * also registered on the router as usual, where Express's own matching still
 * serves every other spelling of its path (a trailing slash, other letter case),
 * so what answers is the same either way. Being a layer of the router, it keeps
 * `req.url` and `req.baseUrl` as the router set them for the mount point
 * (`app.use('/ai', gateway.router)`). Unlike a route layer it leaves `req.route` unset.
 */
export class HotRoutes {
  private readonly byMethod = new Map<string, Map<string, HotRoute>>();

  /** The table, as the router's first layer. */
  readonly middleware: RequestHandler = (req, res, next) => {
    const routes = this.byMethod.get(req.method);
    if (routes === undefined) {
      next();
      return;
    }
    const url = req.url;
    const queryStart = url.indexOf('?');
    const route = routes.get(queryStart === -1 ? url : url.slice(0, queryStart));
    if (route === undefined) next();
    else runRoute(route, req, res, next);
  };

  /**
   * Registers `POST path` both in the table and on `router` (for the spellings the
   * table does not match), with an optional error handler of its own, as
   * `router.post(path, handler, errors)` would.
   */
  post(router: Router, path: string, handler: RequestHandler, errors?: ErrorRequestHandler): void {
    let routes = this.byMethod.get('POST');
    if (routes === undefined) this.byMethod.set('POST', (routes = new Map()));
    if (routes.has(path)) throw new Error(`the route POST ${path} is registered twice`);
    routes.set(path, { handler, errors });
    const handlers: Array<RequestHandler | ErrorRequestHandler> = [skipWhenServedByTable, handler];
    if (errors) handlers.push(errors);
    router.post(path, ...handlers);
  }
}

/**
 * Runs one route the way its Express route layer would: an error goes to the route's
 * own error handler, then on to the router's; a route that passes the request on
 * (`next()` or `next('route')`) lets the router walk on past it.
 */
function runRoute(route: HotRoute, req: Request, res: Response, next: NextFunction): void {
  const afterHandler = (error?: unknown): void => {
    if (error === undefined || error === null || error === 'route') {
      (req as RequestServedByTable)[servedByTable] = true;
      next();
    } else if (route.errors && error !== 'router') {
      callErrorHandler(route.errors, error, req, res, next);
    } else {
      next(error);
    }
  };
  try {
    const result: unknown = route.handler(req, res, afterHandler);
    // As Express 5 does for an async handler: a rejection is passed on as an error.
    if (result instanceof Promise) result.catch((error: unknown) => afterHandler(error ?? new Error('a route handler rejected')));
  } catch (error) {
    afterHandler(error);
  }
}

function callErrorHandler(errors: ErrorRequestHandler, error: unknown, req: Request, res: Response, next: NextFunction): void {
  try {
    errors(error, req, res, next);
  } catch (thrown) {
    next(thrown);
  }
}

/** The ordinary route layer's first handler: a request the table already ran passes by. */
const skipWhenServedByTable: RequestHandler = (req, _res, next) => {
  next((req as RequestServedByTable)[servedByTable] === true ? 'route' : undefined);
};
