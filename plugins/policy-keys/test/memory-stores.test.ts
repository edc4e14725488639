import { testKeyStore, testUsageLedger } from '@switchyard/testing';
import { MemoryKeyStore } from './support/memory-key-store.js';
import { MemoryUsageLedger } from './support/memory-usage-ledger.js';

// The test doubles the admin API tests use behave like the real stores.
testKeyStore('memory (test double)', async () => new MemoryKeyStore());
testUsageLedger('memory (test double)', async () => new MemoryUsageLedger());
