import {
  ConfigError,
  definePlugin,
  GatewayError,
  getContext,
  redactModelName,
  toHeaderValue,
  unofferedOperation,
  type Deployment,
  type GatewayConfig,
  type GatewayRuntime,
  type ValidationProblem,
} from '@switchyard/core';
import { DeploymentStats, LATENCY_EWMA_ALPHA } from './deployment-stats.js';
import { defaultTimeoutMs, type ModelGroup } from './model-group.js';
import { costPerThousand, orderDeployments, type OrderingInputs } from './order-deployments.js';
import { ModelResolver } from './resolve-model.js';
import { needsInFlightCounts } from './needs-in-flight-counts.js';
import { routeOptionsSchema, type RouteOptions } from './route-options.js';
import { reachableDeployments } from './reachable-deployments.js';
import { createRoutePlan } from './route-plan.js';
import { chooseSmartModel, type SmartRule } from './smart-rules.js';

export type { RouteOptions } from './route-options.js';

/** The call `cheapest` compares deployments by: 1,000 input and 1,000 output tokens. */
const thousandOfEach = Object.freeze({ inputTokens: 1000, outputTokens: 1000 });

/** What the route step can be given besides its options (tests give a clock). */
export interface RouteDependencies {
  /** Monotonic milliseconds that age least-latency's measurements (default performance.now). */
  clock?: () => number;
}

/**
 * The route step: turns the requested model name (an alias, a group, the smart
 * name or `provider/model`) into the deployments to try, and sets the route plan
 * that tries them with retries and fallbacks.
 */
export const route = defineRoute();

/** The route step's plugin, with its dependencies. */
export function defineRoute(dependencies: RouteDependencies = {}) {
  return definePlugin<RouteOptions>({
    name: 'route',
    optionsSchema: routeOptionsSchema,
    validate(options, config) {
      return findNameProblems(options, config, new ModelResolver(config.models, new Set(Object.keys(config.providers))));
    },
    create(options, runtime) {
      const resolver = new ModelResolver(runtime.config.models, new Set(runtime.providers.keys()));
      // Already reported by validate() when the gateway was made from a config; kept for
      // a step mounted on its own.
      const problems = findNameProblems(options, runtime.config, resolver);
      if (problems.length > 0) throw new ConfigError(problems);
      warnOfAttemptTimeoutsThatNeverApply(runtime);
      const stats = new DeploymentStats(LATENCY_EWMA_ALPHA, dependencies.clock);
      const costs = new Map<string, number>();
      const inputs: OrderingInputs = {
        stats,
        random: Math.random,
        // Prices do not change while the gateway runs: look each deployment up once.
        costOf: (deployment) => {
          let cost = costs.get(deployment.key);
          if (cost === undefined) {
            // At the plain input rate: maxCost prices a prompt at its dearest rate (a one-hour cache write, twice
            // Anthropic's input), which put o4-mini before the cheaper Claude 3.5 Haiku.
            cost = costPerThousand(deployment, (provider, model) => runtime.pricing.cost(provider, model, thousandOfEach));
            costs.set(deployment.key, cost);
          }
          return cost;
        },
      };
      const order = (group: ModelGroup) => orderDeployments(group, inputs);
      const resolve = (name: string) => resolver.resolve(name);
      // The config is fixed once started: each group's reach is worked out once. Weak: a
      // bare name's group, kept by the resolver while it is used, takes its reach with it.
      const reach = new WeakMap<ModelGroup, Deployment[]>();
      const reachOf = (group: ModelGroup) => {
        let deployments = reach.get(group);
        if (!deployments) {
          deployments = reachableDeployments(group, resolve);
          reach.set(group, deployments);
        }
        return deployments;
      };
      const smart = options.smart;
      // Called as any model is, so listed as one: a key scoped to it alone would list nothing.
      if (smart) runtime.models.addRoutedName(smart.name);
      const trackInFlight = needsInFlightCounts(runtime.config.models);
      const unofferedEmbeddings = unofferedBy(runtime, 'embeddings');
      const unofferedChat = unofferedBy(runtime, 'chat');

      return (req, res, next) => {
        const context = getContext(res);
        const request = context.chatRequest ?? context.embeddingsRequest;
        if (!request) {
          next();
          return;
        }
        let name = request.model;
        let routeName = name;
        if (smart && name === smart.name) {
          name = chooseSmartModel(smart.rules, {
            ...(context.chatRequest && { chat: context.chatRequest }),
            ...(context.embeddingsRequest && { embeddings: context.embeddingsRequest }),
            header: (header) => {
              const value = req.headers[header];
              return Array.isArray(value) ? value[0] : value;
            },
          })!;
          // HTTP header values are Latin-1: an ASCII arrow.
          routeName = `${smart.name}->${name}`;
        }
        const group = resolver.resolve(name);
        const firstOrder = order(group);
        context.deployments = firstOrder.map(({ provider, model }) => ({ provider, model }));
        const allowedModels = context.principal?.allowedModels;
        // A scoped key does not reach the fallbacks outside its models: worked out for it alone, when there are any.
        context.reachableDeployments = allowedModels && hasFallbacks(group) ? reachableDeployments(group, resolve, allowedModels) : reachOf(group);
        const unoffered = context.endpoint === 'embeddings' ? unofferedEmbeddings : unofferedChat;
        context.routePlan = createRoutePlan(group, {
          context,
          resolve,
          order,
          stats,
          firstOrder,
          trackInFlight,
          shutdown: runtime.transport.cutSignal,
          allowedModels,
          unoffered,
        });
        context.responseHeaders.set('x-switchyard-route', toHeaderValue(redactModelName(routeName)));
        next();
      };
    },
  });
}

/**
 * The refusal of a deployment whose provider does not offer the endpoint's operation, core's dispatch's own:
 * the route plan passes such a deployment over without calling it. A provider not configured is
 * left to the dispatch (its own error).
 */
function unofferedBy(runtime: GatewayRuntime, endpoint: 'chat' | 'embeddings'): (deployment: Deployment) => GatewayError | undefined {
  return (deployment) => {
    const provider = runtime.providers.get(deployment.provider);
    return provider && unofferedOperation(provider, endpoint);
  };
}

function hasFallbacks(group: ModelGroup): boolean {
  return group.fallbacks.length > 0 || group.contextFallback !== undefined || group.contentFilterFallback !== undefined;
}

/**
 * An `attempt_timeout_ms` at or past its model's `timeout_ms` never applies: the deadline ends the
 * attempt first, so no other deployment is tried after a slow one. Allowed (the README says what it
 * does), but seldom meant: said once at start, naming each such key with both values.
 */
function warnOfAttemptTimeoutsThatNeverApply(runtime: GatewayRuntime): void {
  const found: string[] = [];
  for (const [name, entry] of Object.entries(runtime.config.models)) {
    if (typeof entry === 'string' || entry.attempt_timeout_ms === undefined) continue;
    const timeoutMs = entry.timeout_ms ?? defaultTimeoutMs;
    if (entry.attempt_timeout_ms < timeoutMs) continue;
    found.push(`/models/${name}/attempt_timeout_ms ${entry.attempt_timeout_ms} ms, timeout_ms ${timeoutMs} ms of '${name}'`);
  }
  if (found.length === 0) return;
  runtime.logger.warn(
    `attempt_timeout_ms never applies where it is not shorter than timeout_ms (the deadline ends the attempt first, and no other deployment is tried): ${found.join('; ')}`,
  );
}

/** Every fallback and smart target must name a model that exists: found at start, not on the first failure. */
function findNameProblems(options: RouteOptions, config: GatewayConfig, resolver: ModelResolver): ValidationProblem[] {
  const problems: ValidationProblem[] = [...resolver.problems];
  const check = (name: string, path: string) => {
    if (!resolver.has(name)) problems.push({ path, message: `'${name}' is neither a configured model nor a provider/model of a configured provider` });
  };
  for (const [name, entry] of Object.entries(config.models)) {
    if (typeof entry === 'string') continue;
    entry.fallbacks?.forEach((fallback, index) => check(fallback, `/models/${name}/fallbacks/${index}`));
    if (entry.context_fallback !== undefined) check(entry.context_fallback, `/models/${name}/context_fallback`);
    if (entry.content_filter_fallback !== undefined) check(entry.content_filter_fallback, `/models/${name}/content_filter_fallback`);
  }
  if (options.smart) {
    const { name, rules } = options.smart;
    const chainIndex = config.chain.findIndex((step) => step === 'route' || (typeof step === 'object' && 'route' in step));
    const base = `/chain/${chainIndex}/route/smart`;
    if (Object.hasOwn(config.models, name)) problems.push({ path: `${base}/name`, message: `'${name}' is already a model under models:` });
    rules.forEach((rule, index) => check(rule.use, `${base}/rules/${index}/use`));
    if (rules.at(-1)?.when !== undefined) {
      problems.push({ path: `${base}/rules/${rules.length - 1}`, message: 'the last rule is the default and must have no `when`' });
    }
    problems.push(...unmatchableRuleProblems(rules, base));
  }
  return problems;
}

/** A header name as HTTP writes one (RFC 9110's token): no other name is ever sent. */
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Rules that can never be chosen: a rule without `when` before the last (it takes every request,
 * so the rules after it are never read), a prompt-size range whose minimum is above its maximum,
 * a header condition whose name no request can carry. Each would send every request to another
 * model without a word.
 */
function unmatchableRuleProblems(rules: readonly SmartRule[], base: string): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  rules.forEach((rule, index) => {
    const path = `${base}/rules/${index}`;
    if (rule.when === undefined) {
      if (index < rules.length - 1) problems.push({ path, message: `a rule without \`when\` matches every request: the ${rules.length - 1 - index} rule(s) after it are never used; only the last rule may have none` });
      return;
    }
    const { min_prompt_tokens: min, max_prompt_tokens: max, header } = rule.when;
    if (min !== undefined && max !== undefined && min > max) {
      problems.push({ path: `${path}/when`, message: `min_prompt_tokens ${min} is above max_prompt_tokens ${max}: the rule never matches` });
    }
    if (header !== undefined && !headerNamePattern.test(header.name)) {
      problems.push({ path: `${path}/when/header/name`, message: 'is not an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-): no request carries it, so the rule never matches' });
    }
  });
  return problems;
}
