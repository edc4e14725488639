// Registers an OpenTelemetry SDK in the gateway process, for measuring what tracing
// costs: BENCH_GATEWAY_NODE_FLAGS="--import $PWD/bench/otel-sdk.js" npm run bench.
// Spans are made, sampled, batched and ended as with a real exporter; the exporter
// drops them, so the numbers show the gateway's tracing work, not an exporter's network.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { isMainThread } from 'node:worker_threads';

const droppingExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
};
// Counts ended spans, so a run shows the SDK really was in the path.
let ended = 0;
const counter = { onStart() {}, onEnd: () => void ended++, forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };

// Worker threads inherit --import (the SQLite store's thread does): trace the request thread only.
if (isMainThread) {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(droppingExporter), counter] }));
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  process.once('exit', () => process.stderr.write(`otel-sdk: ${ended} spans ended\n`));
}
