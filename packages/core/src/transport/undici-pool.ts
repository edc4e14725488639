import { createRequire } from 'node:module';
import type { Pool as UndiciPool, errors as UndiciErrors } from 'undici';

// undici's index also loads fetch, WebSocket, EventSource, the cache stores and the mocks:
// ~3 MB of the main heap that the gateway never runs and V8 marks on every Mark-Compact.
// The transport needs only Pool (it calls `dispatch` with its own handler, not undici's
// `request` API) and the error classes.
const require = createRequire(import.meta.url);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
export type Pool = UndiciPool;
export const undiciErrors = require('undici/lib/core/errors.js') as typeof UndiciErrors;
