// The gateway variants `bench/observability.js` measures side by side: the same
// chain with metrics recorded or not, and with an OpenTelemetry SDK registered or not
// (without one, @opentelemetry/api's tracer is a no-op).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const otelSdk = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'otel-sdk.js');

export const observabilityVariants = {
  'metrics-off': { label: 'metrics off', metrics: 'off', tracing: false },
  'metrics-on': { label: 'metrics on', metrics: 'on', tracing: false },
  'tracing-on': { label: 'metrics + tracing', metrics: 'on', tracing: true },
  'tracing-only': { label: 'tracing only', metrics: 'off', tracing: true },
};

/** BENCH_VARIANTS, checked: at least one, each known, none twice. The first is the baseline of the ratios. */
export function readVariants(raw = process.env.BENCH_VARIANTS) {
  const names = (raw && raw.trim() !== '' ? raw : 'metrics-off,metrics-on,tracing-on').split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    if (!observabilityVariants[name]) throw new Error(`BENCH_VARIANTS: unknown variant '${name}' (known: ${Object.keys(observabilityVariants).join(', ')})`);
  }
  if (new Set(names).size !== names.length) throw new Error('BENCH_VARIANTS: a variant is listed twice');
  if (names.length === 0) throw new Error('BENCH_VARIANTS: name at least one variant');
  return names.map((name) => ({ name, ...observabilityVariants[name], nodeFlags: observabilityVariants[name].tracing ? ['--import', otelSdk] : [] }));
}
