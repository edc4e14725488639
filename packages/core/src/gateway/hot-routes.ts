import { tracingChannel } from 'node:diagnostics_channel';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response, Router } from 'express';

/** Set on a request whose route the table ran, so that route's ordinary layer does not run it again. */
const servedByTable = Symbol('switchyard.servedByHotRoutes');

/** Set on a request whose route ran ahead of the router (see `hotRoutesAhead`): what the route passed on. */
const handedOver = Symbol('switchyard.hotRouteHandedOver');

interface RequestServedByTable extends Request {
  [servedByTable]?: boolean;
  [handedOver]?: HandOver;
}

/** A route that ran ahead of its router, and what its handler passed to `next` (an error, 'route' or nothing). */
interface HandOver {
  route: HotRoute;
  outcome: unknown;
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

  /**
   * The table, as the router's first layer. A request whose route already ran ahead
   * of the router carries on from there: what the route passed on is handled here,
   * as if this layer had run it.
   */
  readonly middleware: RequestHandler = (req, res, next) => {
    const handOver = (req as RequestServedByTable)[handedOver];
    if (handOver !== undefined) {
      (req as RequestServedByTable)[handedOver] = undefined;
      afterRoute(handOver.route, handOver.outcome, req, res, next);
      return;
    }
    const route = this.match(req);
    if (route === undefined) next();
    else runHandler(route, req, res, (outcome) => afterRoute(route, outcome, req, res, next));
  };

  /** The table in front of `router`'s app (see `hotRoutesAhead`). */
  ahead(router: Router): RequestHandler {
    // The router is the app's last layer: when it passes the request on, the app's walk is over too.
    const enterRouter = (req: Request, res: Response, next: NextFunction) => router(req, res, (error?: unknown) => next(error ?? 'router'));
    return (req, res, next) => {
      // A route that already ran before the app (see `hotRoutesBeforeApp`): the router carries on from it.
      if ((req as RequestServedByTable)[handedOver] !== undefined) {
        enterRouter(req, res, next);
        return;
      }
      const route = this.match(req);
      if (route === undefined) {
        next();
        return;
      }
      runHandler(route, req, res, (outcome) => {
        (req as RequestServedByTable)[handedOver] = { route, outcome };
        enterRouter(req, res, next);
      });
    };
  }

  /** The table in front of `app` itself (see `hotRoutesBeforeApp`). */
  beforeApp(app: Express): RequestListener {
    return (req, res) => {
      const route = this.match(req);
      // Express's router publishes each layer it runs to this channel's subscribers: theirs is the app's own walk.
      if (route === undefined || routerTracing.hasSubscribers || app.enabled('x-powered-by')) {
        app(req, res);
        return;
      }
      const passOn = (outcome?: unknown) => {
        (req as RequestServedByTable)[handedOver] = { route, outcome };
        // The app's first layer (`hotRoutesAhead`) hands the request to the router, whose first layer carries on.
        app(req, res);
      };
      prepareAsApp(app, req, res, passOn);
      runHandler(route, req as Request, res as Response, passOn);
    };
  }

  private match(req: IncomingMessage): HotRoute | undefined {
    // Both are always set on a server's request (the types also cover a client's response).
    const { method, url } = req;
    if (method === undefined || url === undefined) return undefined;
    const routes = this.byMethod.get(method);
    if (routes === undefined) return undefined;
    const queryStart = url.indexOf('?');
    return routes.get(queryStart === -1 ? url : url.slice(0, queryStart));
  }

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
    tables.set(router, this);
    const handlers: Array<RequestHandler | ErrorRequestHandler> = [skipWhenServedByTable, handler];
    if (errors) handlers.push(errors);
    router.post(path, ...handlers);
  }
}

/** Which table each router's routes were registered in. */
const tables = new WeakMap<Router, HotRoutes>();

/**
 * `router`'s table as a layer for the app that mounts `router` at its root as its
 * last layer, to go first in that app: a model call then runs before the app walks
 * its own layers and without the router's walk. Whatever the route passes on (an
 * error, `next()`) enters the router, whose first layer carries on as if it had run
 * the route itself, so every answer is the same. Only for a hot path no other layer
 * of the app would take. Undefined for a router without a table.
 */
export function hotRoutesAhead(router: Router): RequestHandler | undefined {
  return tables.get(router)?.ahead(router);
}

/** Express's router reports every layer it runs here (router 2.3+); with a subscriber, requests take the app's walk. */
const routerTracing = tracingChannel('express.router.request');

/**
 * `router`'s table in front of `app` itself, as the server's request listener: a
 * model call runs its route before Express's `app.handle` and the app's walk, on a
 * request and response set up as Express sets them up for the app's first layer.
 * Every other request, and whatever such a route passes on (an error, `next()`),
 * enters the app, whose first layer (`hotRoutesAhead(router)`, which `app` must have
 * first, with `router` mounted at the root last) hands it to the router, which
 * carries on as if it had run the route itself: each answer is the same as the
 * app's, and no route runs twice. An app that sends `X-Powered-By` takes its own
 * walk: Express sets that header on entering the app, and a route that passes on
 * after its answer started would have the app set it again, too late. Undefined for
 * a router without a table.
 */
export function hotRoutesBeforeApp(app: Express, router: Router): RequestListener | undefined {
  return tables.get(router)?.beforeApp(app);
}

/**
 * What Express 5 does to a request before the app's first layer runs: `app.handle`
 * links the request and response, gives them `res.locals` and the app's prototypes;
 * the app's router sets `next`, `baseUrl` and `originalUrl`; the root layer's match
 * sets `params`. The same properties in the same order, then three a model call sets
 * later anyway, and the prototypes last (they define none of these names): V8 takes an
 * object whose prototype changes off the shapes its kind shares, so each property added
 * after that copies the object's whole shape.
 */
function prepareAsApp(app: Express, req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
  const request = req as Request;
  const response = res as Response;
  request.res = response;
  response.req = request;
  response.locals ||= Object.create(null) as Response['locals'];
  request.next = next;
  request.baseUrl = '';
  request.originalUrl ||= request.url;
  request.params = {};
  ownBeforePrototypeChange(request, response);
  Object.setPrototypeOf(request, app.request);
  Object.setPrototypeOf(response, app.response);
}

/**
 * The properties every model call adds later anyway, made own properties now with
 * the values they read as until then, so that adding them later does not copy the
 * shape (~1 KB each): `req.body` (read-json-body sets it; `undefined` until then, as
 * in Express 5, though `'body' in req` is now true from the start), and the status
 * Node's `writeHead` (or `res.status`) sets, which until then read from
 * `ServerResponse.prototype` (200, no message).
 */
function ownBeforePrototypeChange(request: Request, response: Response): void {
  request.body = undefined;
  const { statusCode, statusMessage } = response;
  response.statusCode = statusCode;
  response.statusMessage = statusMessage;
}

/** Runs a route's handler; whatever it passes on (an error, a throw, a rejection, or nothing) goes to `afterHandler`. */
function runHandler(route: HotRoute, req: Request, res: Response, afterHandler: (outcome?: unknown) => void): void {
  try {
    const result: unknown = route.handler(req, res, afterHandler);
    // As Express 5 does for an async handler: a rejection is passed on as an error.
    if (result instanceof Promise) result.catch((error: unknown) => afterHandler(error ?? new Error('a route handler rejected')));
  } catch (error) {
    afterHandler(error);
  }
}

/**
 * What the route's Express route layer would do with what its handler passed on: an
 * error goes to the route's own error handler, then on to the router's; a route that
 * passes the request on (`next()` or `next('route')`) lets the router walk on past it.
 */
function afterRoute(route: HotRoute, outcome: unknown, req: Request, res: Response, next: NextFunction): void {
  if (outcome === undefined || outcome === null || outcome === 'route') {
    (req as RequestServedByTable)[servedByTable] = true;
    next();
  } else if (route.errors && outcome !== 'router') {
    callErrorHandler(route.errors, outcome, req, res, next);
  } else {
    next(outcome);
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
