import type { ConfigFile } from '@switchyard/core';
import cluster from 'node:cluster';
import { CliError } from '../cli-error.js';

const question = 'switchyard:config?';
const reply = 'switchyard:config';

/** How long a worker waits for the primary's answer before it gives up. */
const answerTimeoutMs = 10_000;

/**
 * Primary: answers each worker that asks with the config file as read at start. A replacement
 * forked after the file was edited (half-saved, other models, broken YAML) then serves what its
 * siblings serve instead of failing or diverging; a restart of the gateway picks up edits.
 * Call before the first fork.
 */
export function shareConfigWithWorkers(loaded: ConfigFile): void {
  // Structured clone, not JSON: the parsed YAML reaches the worker exactly (`.inf`, `.nan`,
  // a key left undefined), so it checks the same config the primary checked.
  cluster.setupPrimary({ serialization: 'advanced' });
  cluster.on('message', (worker, message: unknown) => {
    if ((message as { type?: unknown } | null)?.type !== question) return;
    const answer = { type: reply, raw: loaded.raw, file: loaded.file, sourceText: loaded.sourceText };
    // A worker that died since it asked needs no answer: the send error is dropped.
    worker.send(answer as object, () => undefined);
  });
}

/**
 * Worker: the config its primary read at start; a worker never reads the file. It asks rather
 * than waits for a message sent at fork, which could arrive before anything listens for it.
 */
export function configFromPrimary(): Promise<ConfigFile> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
      outcome();
    };
    const fail = (why: string) => settle(() => reject(new CliError(`this worker could not get the config from the cluster primary: ${why}`)));
    const onMessage = (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type !== reply) return;
      const { raw, file, sourceText } = message as ConfigFile;
      settle(() => resolve({ raw, file, sourceText }));
    };
    const onDisconnect = () => fail('the primary is gone');
    const timer = setTimeout(() => fail(`no answer within ${answerTimeoutMs / 1000} s`), answerTimeoutMs);
    process.on('message', onMessage);
    process.on('disconnect', onDisconnect);
    if (!process.send) return fail('no IPC channel');
    process.send({ type: question }, undefined, undefined, (error: Error | null) => error && fail(error.message));
  });
}
