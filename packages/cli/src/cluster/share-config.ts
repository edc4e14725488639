import type { ConfigFile } from '@switchyard/core';
import cluster from 'node:cluster';
import { CliError } from '../cli-error.js';
import { askPrimary, type IpcMessage } from './ask-primary.js';

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
    const asked = message as IpcMessage | null;
    if (asked?.type !== question) return;
    const answer = { type: reply, id: asked.id, raw: loaded.raw, file: loaded.file, sourceText: loaded.sourceText };
    // A worker that died since it asked needs no answer: the send error is dropped.
    worker.send(answer as object, () => undefined);
  });
}

/**
 * Worker: the config its primary read at start; a worker never reads the file. It asks rather
 * than waits for a message sent at fork, which could arrive before anything listens for it.
 */
export async function configFromPrimary(): Promise<ConfigFile> {
  const answer = await askPrimary(question, reply, answerTimeoutMs, ({ detail }) =>
    new CliError(`this worker could not get the config from the cluster primary: ${detail}`),
  );
  // The primary sent its own ConfigFile's fields (a structured clone), nothing else.
  return { raw: answer.raw, file: answer.file, sourceText: answer.sourceText } as ConfigFile;
}
