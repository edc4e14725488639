#!/usr/bin/env node
// The `switchyard` command as npm links it. This file is committed, not built, so
// that `npm ci` on a fresh clone finds it and links node_modules/.bin/switchyard
// before anything is compiled, and so that its executable bit survives
// `npm run clean && npm run build`. All it does is load the compiled CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  process.stderr.write(
    `switchyard: the CLI is not built yet (${fileURLToPath(compiled)} is missing).\n` +
      'Run `npm run build` in the repository (`npm start` builds too), then try again.\n',
  );
  process.exit(1);
}
await import(compiled.href);
