import { IncomingMessage, ServerResponse, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

type MessageClasses = Required<Pick<ServerOptions, 'IncomingMessage' | 'ServerResponse'>>;

/**
 * Request and response classes for `http.createServer` whose instances are made
 * with an Express app's own prototypes (`app.request`, `app.response`), so that
 * Express's `Object.setPrototypeOf` on every request finds them already in place
 * and changes nothing:
 *
 * ```ts
 * const server = http.createServer({ ...serverOptions(config), ...appMessageClasses(app) }, app);
 * ```
 *
 * Why: V8 moves an object whose prototype changes off the shapes its kind shares.
 * Under load that made a share of every request's objects outlive two young-generation
 * collections and be promoted (~6 KB a request through the gateway, ~7 KB through a
 * bare Express 5 app; none through Node's plain server), which is what kept V8 marking
 * the whole old generation several times a second (bench/README.md, "Promotion").
 *
 * The constructors are Node's own, run on the new object (`IncomingMessage` and
 * `ServerResponse` are plain constructor functions in Node 20 to 24), so a request
 * is every bit an `http.IncomingMessage` (`instanceof` included) and Express finds
 * its methods where it put them. Only for an app whose requests enter at the app
 * itself: a sub-app mounted under another sets its own prototypes on the way in.
 */
export function appMessageClasses(app: Express): MessageClasses {
  const constructRequest = IncomingMessage as unknown as (this: IncomingMessage, socket: Socket) => void;
  const constructResponse = ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options?: unknown) => void;
  function AppRequest(this: IncomingMessage, socket: Socket): void {
    constructRequest.call(this, socket);
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: ServerResponse, req: IncomingMessage, options?: unknown): void {
    constructResponse.call(this, req, options);
  }
  AppResponse.prototype = app.response;
  // As `class … extends` links them: V8 sizes a constructor's instances from the
  // properties its constructor chain assigns. Without it a request keeps 10 of its ~40
  // properties in the object and grows a separate store for the rest, and a response
  // falls back to a dictionary of properties (slow to read and write on every request).
  Object.setPrototypeOf(AppRequest, IncomingMessage);
  Object.setPrototypeOf(AppResponse, ServerResponse);
  return { IncomingMessage: AppRequest as unknown as typeof IncomingMessage, ServerResponse: AppResponse as unknown as typeof ServerResponse };
}
