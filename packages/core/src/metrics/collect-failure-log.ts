import type { Logger } from '../logging/create-logger.js';
import { throttled } from '../logging/throttled.js';

/** Logs a metric whose scrape-time `collect` failed: at most once a minute per metric, however often Prometheus scrapes. */
export function collectFailureLog(logger: Logger): (metric: string, error: unknown) => void {
  const byMetric = new Map<string, (error: unknown) => void>();
  return (metric, error) => {
    let log = byMetric.get(metric);
    if (log === undefined) {
      log = throttled(60_000, (problem: unknown) => logger.warn({ metric, err: problem }, 'metric collect failed; it keeps its last values'));
      byMetric.set(metric, log);
    }
    log(error);
  };
}
