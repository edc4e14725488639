/** What the worker tests import: the plugin and the pieces openSqliteStorage wires together. */
export { default, SqliteWorkerClient } from '../src/index.js';
export { isSqliteOutage as isSqliteOutageForTest } from '../src/is-sqlite-outage.js';
