import { isStoreOutage, type GatewayRuntime } from '@switchyard/core';
import type { Counter } from 'prom-client';
import { webhookTargets, type AlertsOptions } from './alerts-options.js';
import { BudgetAlerter } from './budget-alerter.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

/** The key-scope step's alerting: who notices crossings, and the checks still running. */
export interface BudgetAlerts {
  alerter: BudgetAlerter;
  /**
   * Runs an alert check (or a settlement that ends with one) off the request path, and
   * keeps it until it is over so closing the gateway can wait for it. A store outage
   * is not logged again (the store logs it, throttled); anything else is.
   */
  track(work: Promise<void>, requestId: string): void;
}

/**
 * One alerter per step, with its webhooks (none configured: log lines and metrics
 * only). Closing the gateway waits for checks still running, then flushes the
 * webhook queue, each for at most `flush_timeout_ms`.
 */
export function createBudgetAlerts(options: AlertsOptions, runtime: GatewayRuntime): BudgetAlerts {
  const targets = webhookTargets(options);
  const dispatcher =
    targets.length > 0
      ? new WebhookDispatcher({
          targets,
          maxQueue: options.queue_size,
          concurrency: options.concurrency,
          backoffMs: options.backoff_ms,
          maxBackoffMs: options.max_backoff_ms,
          logger: runtime.logger,
          deliveries: sharedCounter(
            runtime,
            'switchyard_alert_deliveries_total',
            'Budget alert webhook deliveries by webhook name and result (delivered, retried, failed, dropped).',
            ['webhook', 'result'],
          ),
          userAgent: 'switchyard-alerts/0.1',
        })
      : undefined;
  const alerter = new BudgetAlerter({
    logger: runtime.logger,
    alerts: sharedCounter(runtime, 'switchyard_budget_alerts_total', 'Budget alerts announced, by owner kind (key, team, project) and event.', ['owner_kind', 'event']),
    dispatcher,
  });
  const pending = new Set<Promise<void>>();
  runtime.onClose(async () => {
    if (pending.size > 0) await withDeadline(Promise.allSettled([...pending]), options.flush_timeout_ms);
    await dispatcher?.close(options.flush_timeout_ms);
  });
  return {
    alerter,
    track(work, requestId) {
      // One then() that also forgets the work, rather than catch() and finally(): every budgeted request comes here.
      const guarded: Promise<void> = work.then(
        () => void pending.delete(guarded),
        (error: unknown) => {
          pending.delete(guarded);
          if (isStoreOutage(error)) return;
          runtime.logger.error({ err: error, requestId }, 'checking a budget alert failed');
        },
      );
      pending.add(guarded);
    },
  };
}

/** A counter on the gateway's registry, made once even when the step is built twice (a step mounted on its own beside the chain). */
function sharedCounter<Label extends string>(runtime: GatewayRuntime, name: string, help: string, labelNames: Label[]): Counter<Label> {
  const existing = runtime.metrics.registry.getSingleMetric(name);
  return (existing as Counter<Label> | undefined) ?? runtime.metrics.counter({ name, help, labelNames });
}

async function withDeadline(work: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
