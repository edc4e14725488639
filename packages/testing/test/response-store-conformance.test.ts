import { MemoryResponseStore } from '@switchyard/core';
import { testResponseStore } from '../src/index.js';

// The in-process default every gateway without a database-backed response store uses.
testResponseStore('memory', async () => new MemoryResponseStore());
