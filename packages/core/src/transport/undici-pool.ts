import { createRequire } from 'node:module';
import type { Pool as UndiciPool, errors as UndiciErrors } from 'undici';

// undici's index also loads fetch, WebSocket, EventSource, the cache stores and the mocks:
// ~3 MB of the main heap that the gateway never runs and V8 marks on every Mark-Compact.
// The transport needs only Pool, the request API undici's index puts on Dispatcher's
// prototype (done here the same way) and the error classes.
const require = createRequire(import.meta.url);
const dispatcherClass = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
Object.assign(dispatcherClass.prototype, require('undici/lib/api/index.js') as object);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
export type Pool = UndiciPool;
export const undiciErrors = require('undici/lib/core/errors.js') as typeof UndiciErrors;
