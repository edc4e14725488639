import type { GatewayRuntime, KeyChangeChannel } from '@switchyard/core';

const channels = new WeakMap<GatewayRuntime, KeyChangeChannel>();

/**
 * The key change channel the auth step of this gateway listens on, so the admin API
 * mounted next to it announces its changes there; undefined without one.
 */
export function keyChangeChannelOf(runtime: GatewayRuntime): KeyChangeChannel | undefined {
  return channels.get(runtime);
}

/** Records the channel the auth step chose (one per gateway). */
export function setKeyChangeChannel(runtime: GatewayRuntime, channel: KeyChangeChannel): void {
  channels.set(runtime, channel);
}
