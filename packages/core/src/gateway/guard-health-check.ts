import type { Logger } from '../logging/create-logger.js';
import { throttled } from '../logging/throttled.js';
import type { HealthSection } from './gateway-runtime.js';

/** What a check that broke its contract reports: unhealthy, without its error's text (it may quote a secret). */
const failedSection: HealthSection = Object.freeze({ healthy: false, error: 'check_failed' });

/**
 * A health check as `GET /health` and the `switchyard_health_check_up` gauge read it. A
 * check must answer `{ healthy: boolean, … }` synchronously (docs/plugins.md); one that
 * throws, or answers anything else (a Promise from an `async` check), is an unhealthy
 * section and logged at most once a minute, never a 500 for the whole of `/health`.
 */
export function guardHealthCheck(name: string, check: () => HealthSection, logger: Logger): () => HealthSection {
  const warn = throttled(60_000, (problem: unknown) => logger.warn({ check: name, err: problem }, 'health check failed; its section reports unhealthy'));
  return () => {
    let section: unknown;
    try {
      section = check();
    } catch (error) {
      warn(error);
      return failedSection;
    }
    if (typeof section !== 'object' || section === null || typeof (section as { healthy?: unknown }).healthy !== 'boolean') {
      warn(new TypeError('A health check must return { healthy: boolean } synchronously.'));
      return failedSection;
    }
    return section as HealthSection;
  };
}
