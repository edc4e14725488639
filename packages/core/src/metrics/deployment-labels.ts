import { configuredDeployments } from '../config/configured-deployments.js';
import type { GatewayConfig } from '../config/gateway-config.js';

/** Label value for a request that reached no deployment. */
export const noneLabel = '(none)';
/** Label value for a name no operator configured or listed. */
export const otherLabel = '(other)';

/** Distinct model label values kept before every new one counts as `(other)`. */
const maxModelLabels = 1000;

/**
 * Turns a deployment into bounded metric labels. Model names come from clients:
 * only a `provider/model` the config names (an alias target, a group deployment)
 * or the provider lists is its own label value; any other is `(other)`. A provider
 * must be configured. Past `maxModelLabels` listed values, new listed ones are
 * `(other)` too; the config's own names always keep theirs (they are as many as the
 * config holds), so a client calling every listed model first cannot blind them.
 */
export class DeploymentLabels {
  private readonly configured: Set<string>;
  /**
   * The label of each name already given its own, by provider then model: the names
   * of every request, found without building `provider/model` (a string per request).
   */
  private readonly named = new Map<string, Map<string, string>>();
  /** Listed (not configured) names given their own label so far. */
  private listedNamed = 0;

  constructor(
    config: GatewayConfig,
    private readonly hasProvider: (id: string) => boolean,
    private readonly isListed: (name: string) => boolean,
  ) {
    this.configured = configuredDeployments(config);
  }

  /** The provider label: a configured provider id, `(other)`, or `(none)` without a deployment. */
  provider(provider: string | undefined): string {
    if (provider === undefined) return noneLabel;
    return this.hasProvider(provider) ? provider : otherLabel;
  }

  /** The model label, `provider/model`: configured or listed names only. */
  model(provider: string | undefined, model: string | undefined): string {
    if (provider === undefined || model === undefined) return noneLabel;
    const named = this.named.get(provider)?.get(model);
    if (named !== undefined) return named;
    if (!this.hasProvider(provider)) return otherLabel;
    const name = `${provider}/${model}`;
    if (this.configured.has(name)) return this.name(provider, model, name);
    if (this.listedNamed >= maxModelLabels || !this.isListed(name)) return otherLabel;
    this.listedNamed++;
    return this.name(provider, model, name);
  }

  private name(provider: string, model: string, name: string): string {
    let byModel = this.named.get(provider);
    if (!byModel) this.named.set(provider, (byModel = new Map()));
    byModel.set(model, name);
    return name;
  }
}
