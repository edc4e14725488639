// Micro-benchmark: what recording one finished request's metrics costs (GatewayMetrics.observe,
// called once per request from its RequestRecord), and what one scrape of /metrics costs to build.
// Run after a build: node bench/metrics-observe.js [records]. Prints numbers; asserts nothing.
import { GatewayMetrics } from '../packages/core/dist/metrics/gateway-metrics.js';
import { DeploymentLabels } from '../packages/core/dist/metrics/deployment-labels.js';

const records = Number(process.argv[2] ?? 200_000);
const config = { models: { smart: { deployments: [{ target: 'up-a/gpt-4o-mini' }, { target: 'up-b/gpt-4o-mini' }] } } };
const metrics = new GatewayMetrics(new DeploymentLabels(config, (id) => id.startsWith('up-'), () => false));
const deployment = (provider) => ({ provider, model: 'gpt-4o-mini' });
const record = (index) => ({
  id: `req_${index}`,
  receivedAt: new Date(),
  endpoint: 'chat',
  keyId: 'key_1',
  provider: index % 2 ? 'up-a' : 'up-b',
  model: 'gpt-4o-mini',
  requestedModel: 'smart',
  stream: false,
  status: index % 50 === 0 ? 502 : 200,
  errorCode: index % 50 === 0 ? 'upstream_server_error' : undefined,
  usage: { inputTokens: 120, outputTokens: 40, cachedInputTokens: 0 },
  costUsd: 0.000042,
  cacheHit: false,
  latencyMs: 3 + (index % 40),
  firstByteMs: 2 + (index % 20),
  attempts: index % 10 === 0 ? [{ deployment: deployment('up-a'), durationMs: 1, errorCode: 'rate_limit_exceeded' }, { deployment: deployment('up-b'), durationMs: 2 }] : [{ deployment: deployment('up-a'), durationMs: 2 }],
});
const prepared = Array.from({ length: 1000 }, (_, index) => record(index));

for (let index = 0; index < 20_000; index++) metrics.observe(prepared[index % 1000]); // warm-up
// CPU time of this process, not wall time: on a shared machine other processes stretch the wall clock.
const started = process.cpuUsage();
for (let index = 0; index < records; index++) metrics.observe(prepared[index % 1000]);
const used = process.cpuUsage(started);
const perRecordNs = ((used.user + used.system) * 1000) / records;

const scrapeStarted = process.hrtime.bigint();
const text = await metrics.registry.metrics();
const scrapeMs = Number(process.hrtime.bigint() - scrapeStarted) / 1e6;
console.log(`observe: ${perRecordNs.toFixed(0)} ns of CPU per request (${records} requests); scrape: ${scrapeMs.toFixed(2)} ms for ${text.length} bytes`);
