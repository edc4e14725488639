import { afterAll, beforeAll } from 'vitest';
import { startFixtureReplay } from './start-fixture-replay.js';
import { recordQueue } from './request-records.js';
import { startTestGateway, type StartTestGatewayOptions, type TestGateway } from './start-test-gateway.js';

/** A test file's gateway in front of a replaying upstream (start-fixture-replay.ts), with its records queued. */
export interface GatewayOverReplay {
  replay: Awaited<ReturnType<typeof startFixtureReplay>>;
  gateway: TestGateway;
  records: ReturnType<typeof recordQueue>;
}

/**
 * Starts the replaying upstream and a gateway configured by `configFor(upstreamUrl)`
 * before the file's tests, and closes both after them. Read the fields inside tests
 * (they are set by then), not when the file loads.
 */
export function gatewayOverReplay(configFor: (upstreamUrl: string) => Record<string, unknown>, options?: StartTestGatewayOptions): GatewayOverReplay {
  const rig = {} as GatewayOverReplay;
  beforeAll(async () => {
    rig.replay = await startFixtureReplay();
    rig.gateway = await startTestGateway(configFor(rig.replay.url), options);
    rig.records = recordQueue(rig.gateway);
  });
  afterAll(async () => {
    await rig.gateway?.close();
    await rig.replay?.close();
  });
  return rig;
}
