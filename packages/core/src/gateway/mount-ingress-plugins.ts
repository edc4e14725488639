import type { ErrorRequestHandler, Request, RequestHandler, Router } from 'express';
import { getContext, nameUntrackedAnswer } from '../chain/request-context.js';
import { GatewayError } from '../errors/gateway-error.js';
import { errorHandler } from '../http/error-handler.js';
import { refuseMethod } from '../http/refuse-method.js';
import { unknownEndpoint } from '../http/shown-path.js';
import { checkImageMediaTypes } from '../ingress/check-image-media-types.js';
import { checkModelName } from '../ingress/check-model-name.js';
import { checkPluginRequestBounds } from '../ingress/check-plugin-request-bounds.js';
import { checkProviderOptions } from '../ingress/check-provider-options.js';
import type { IngressDialect } from '../ingress/ingress-dialect.js';
import type { IngressLimits } from '../ingress/ingress-limits.js';
import { openAIChatDialect } from '../ingress/openai/openai-chat-dialect.js';
import type { Logger } from '../logging/create-logger.js';
import type { IngressContribution, IngressRoute } from '../plugin/define-plugin.js';

/** What the router hands over to mount plugin routes behind its chain. */
export interface IngressMountParts {
  /**
   * The whole chain for one chat route, with `parse` where the body is translated:
   * request context, header-only steps (auth), body parsing, `parse`, then the rest.
   */
  chainFor(parse: RequestHandler): RequestHandler;
  limits: IngressLimits;
  logger: Logger;
}

/** Paths of the gateway's own that a plugin route may not take or shadow. */
const reservedPrefixes = ['/v1/chat/', '/v1/messages', '/v1/responses', '/v1/embeddings', '/v1/models', '/admin', '/health', '/metrics'];

/** A path Express can mount that stays clear of the gateway's own routes. */
function checkRoutePath(id: string, route: IngressRoute): void {
  const { path } = route;
  if (typeof path !== 'string' || !path.startsWith('/') || path.length > 200 || /[\s?#]/.test(path)) {
    throw new Error(`ingress plugin "${id}": route path ${JSON.stringify(path)} must start with "/", have no spaces, "?" or "#", and be at most 200 characters`);
  }
  if (route.method !== 'post') throw new Error(`ingress plugin "${id}": route ${path} must use method "post"`);
  if (typeof route.name !== 'string' || route.name.length === 0 || route.name.length > 64) throw new Error(`ingress plugin "${id}": route ${path} needs a name (1–64 characters)`);
}

/** The gateway's own path a well-formed route would take or shadow, if any: a matter of the plugin's options (its base path), so a config problem. */
function routeClash(id: string, path: string): string | undefined {
  const lower = path.toLowerCase();
  const clash = reservedPrefixes.find((prefix) => lower === prefix || lower.startsWith(prefix.endsWith('/') ? prefix : `${prefix}`));
  return clash === undefined ? undefined : `ingress plugin "${id}": route path ${path} overlaps the gateway's own ${clash} routes`;
}

/**
 * A prefix below which the plugin answers unknown paths: plain segments, clear of the
 * gateway's own paths both ways (`/v1` would take `/v1/chat/…`'s 404s).
 */
function checkPathPrefix(id: string, prefix: string): void {
  if (typeof prefix !== 'string' || !/^(\/[A-Za-z0-9_.~-]{1,64}){1,8}$/.test(prefix)) {
    throw new Error(`ingress plugin "${id}": pathPrefix ${JSON.stringify(prefix)} must be plain path segments ("/v1beta")`);
  }
}

/** The gateway's own path a well-formed pathPrefix would take or shadow, if any (a config problem, as for a route). */
function prefixClash(id: string, prefix: string): string | undefined {
  const lower = `${prefix.toLowerCase()}/`;
  const clash = reservedPrefixes.find((reserved) => lower.startsWith(reserved) || `${reserved}/`.startsWith(lower));
  return clash === undefined ? undefined : `ingress plugin "${id}": pathPrefix ${prefix} overlaps the gateway's own ${clash} routes`;
}

/**
 * A plugin dialect whose error writer itself fails must still answer: that one error
 * goes out in OpenAI's envelope instead (and is logged), never as a crash or a hang.
 */
function guardErrors(id: string, dialect: IngressDialect, logger: Logger): Pick<IngressDialect, 'formatError'> {
  return {
    formatError(error, requestId) {
      try {
        return dialect.formatError(error, requestId);
      } catch (failure) {
        logger.error({ err: failure, ingress: id }, 'an ingress plugin failed to format an error; answered in the OpenAI shape');
        return openAIChatDialect.formatError(error, requestId);
      }
    },
  };
}

/** Path parameters as strings: a `*rest` wildcard's segments are joined with `/` again. */
function pathParams(params: Record<string, unknown>): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'string') strings[name] = value;
    else if (Array.isArray(value)) strings[name] = value.join('/');
  }
  return strings;
}

/**
 * What would stop {@link mountIngressPlugins}, one message per problem with the plugin's id.
 * `config` problems come from the plugin's options (a route or pathPrefix over the gateway's own
 * paths, or one two plugins claim): checkGatewayConfig reports them, so `switchyard validate`
 * and start say the same. `plugin` problems are faults of its code (no routes, a malformed
 * route or prefix): start names them in its own error. Start-time only.
 */
export function findIngressRouteProblems(
  plugins: ReadonlyArray<{ id: string; contribution: IngressContribution }>,
): Array<{ id: string; message: string; fault: 'config' | 'plugin' }> {
  const problems: Array<{ id: string; message: string; fault: 'config' | 'plugin' }> = [];
  const wellFormed = (id: string, check: () => void): boolean => {
    try {
      check();
      return true;
    } catch (error) {
      problems.push({ id, message: error instanceof Error ? error.message : String(error), fault: 'plugin' });
      return false;
    }
  };
  const taken = new Map<string, string>();
  const prefixes = new Map<string, string>();
  for (const { id, contribution } of plugins) {
    const { routes } = contribution;
    if (!Array.isArray(routes) || routes.length === 0) {
      problems.push({ id, message: `ingress plugin "${id}" declares no routes`, fault: 'plugin' });
      continue;
    }
    for (const route of routes) {
      if (!wellFormed(id, () => checkRoutePath(id, route))) continue;
      const clash = routeClash(id, route.path);
      if (clash !== undefined) problems.push({ id, message: clash, fault: 'config' });
      const owner = taken.get(route.path);
      if (owner !== undefined) problems.push({ id, message: `ingress plugins "${owner}" and "${id}" both declare the route ${route.path}`, fault: 'config' });
      else taken.set(route.path, id);
    }
    const prefix = contribution.pathPrefix;
    if (prefix === undefined || !wellFormed(id, () => checkPathPrefix(id, prefix))) continue;
    const clash = prefixClash(id, prefix);
    if (clash !== undefined) problems.push({ id, message: clash, fault: 'config' });
    const owner = prefixes.get(prefix.toLowerCase());
    if (owner !== undefined) problems.push({ id, message: `ingress plugins "${owner}" and "${id}" both declare the pathPrefix ${prefix}`, fault: 'config' });
    else prefixes.set(prefix.toLowerCase(), id);
  }
  return problems;
}

/**
 * Mounts every ingress plugin's routes on the gateway's router. Each route is a chat
 * endpoint run through the same chain as `/v1/chat/completions` (auth before the
 * body, key-scope, rate-limit, cache, route, adapter), parsed and answered by the
 * plugin's dialect, every error in the dialect's shape. The URL's parameters and
 * query reach the dialect's `parse`. Throws at start when a route is malformed,
 * overlaps the gateway's own routes, or is claimed by two plugins.
 */
export function mountIngressPlugins(router: Router, plugins: ReadonlyArray<{ id: string; contribution: IngressContribution }>, parts: IngressMountParts): void {
  const [problem] = findIngressRouteProblems(plugins);
  if (problem) throw new Error(problem.message);
  const taken = new Map<string, string>();
  const prefixed: Array<{ id: string; prefix: string; errors: ErrorRequestHandler }> = [];
  for (const { id, contribution } of plugins) {
    const { dialect, routes } = contribution;
    if (!Array.isArray(routes) || routes.length === 0) throw new Error(`ingress plugin "${id}" declares no routes`);
    const errors = errorHandler({ logger: parts.logger, dialect: guardErrors(id, dialect, parts.logger) });
    if (contribution.pathPrefix !== undefined) prefixed.push({ id, prefix: contribution.pathPrefix, errors });
    for (const route of routes) {
      checkRoutePath(id, route);
      const owner = taken.get(route.path);
      if (owner !== undefined) throw new Error(`ingress plugins "${owner}" and "${id}" both declare the route ${route.path}`);
      taken.set(route.path, id);

      const parse: RequestHandler = (req, res, next) => {
        const context = getContext(res);
        const parsed = dialect.parse(req.body, parts.limits, { route: route.name, params: pathParams(req.params as Record<string, unknown>), query: { ...(req.query as Record<string, unknown>) } });
        // Held to the bound of the gateway's own endpoints whether the plugin checked it or not:
        // the name becomes a span name, span attributes and log fields.
        checkModelName(parsed.request.model, parts.limits.maxModelNameLength);
        // The same for what budgets and streaming rest on: a plugin's provider options reach the
        // adapters as the gateway's own dialects' do (`n: 8` was written and billed against a hold for one).
        checkProviderOptions(parsed.request.providerOptions);
        // And an inline image's media type, which goes upstream as it came and comes back in refusals.
        checkImageMediaTypes(parsed.request.messages);
        // And its numbers and lists, which budgets, rate limits and the adapters trust.
        checkPluginRequestBounds(parsed.request);
        context.chatRequest = parsed.request;
        context.includeStreamUsage = parsed.includeStreamUsage;
        context.dialect = dialect;
        next();
      };
      router.post(route.path, parts.chainFor(parse), errors);
      router.all(route.path, nameUntrackedAnswer, refuseMethod(['POST']), errors);
    }
  }
  // After every plugin's routes, so a prefix never hides another plugin's route below it.
  const prefixes = new Map<string, string>();
  for (const { id, prefix, errors } of prefixed) {
    checkPathPrefix(id, prefix);
    const owner = prefixes.get(prefix.toLowerCase());
    if (owner !== undefined) throw new Error(`ingress plugins "${owner}" and "${id}" both declare the pathPrefix ${prefix}`);
    prefixes.set(prefix.toLowerCase(), id);
    // A prefix, not a `{/*rest}` parameter: a parameter is decoded first, and a path that is not
    // valid percent-encoding would fail there and be answered in OpenAI's envelope.
    router.use(
      prefix,
      nameUntrackedAnswer,
      (req: Request) => {
        throw unknownEndpoint(req);
      },
      errors,
    );
  }
}
