import { collectDefaultMetrics, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * Node process metrics (CPU, memory, event-loop lag, GC, handles), collected once
 * per process into a registry of their own. They describe the process, not one
 * gateway, and prom-client's collectors (event-loop monitor, GC observer) are never
 * stopped: one set per process, served by every gateway's `/metrics`.
 */
export function getProcessRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
