import type { PluginFactory } from '@switchyard/core';
import { builtInPackages } from './load-built-in-plugins.js';

/**
 * The plugins that ship with the CLI, so a standalone gateway needs no extra install:
 * every package of {@link builtInPackages}, imported at once (`switchyard start` itself
 * imports only those its config names; this list is for embedders and tools).
 */
export const builtInPlugins: ReadonlyArray<PluginFactory<unknown, unknown>> = (await Promise.all(builtInPackages.map((pkg) => pkg.load()))).flat();
