// `npm start`: builds, then runs `switchyard start`, saying what it is doing. The
// first build compiles every package (about a minute); later ones only what changed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const say = (line) => process.stderr.write(`switchyard: ${line}\n`);

/**
 * The child running now (the build, then the gateway). SIGINT, SIGTERM and SIGHUP (a closed
 * terminal) sent to this process, or forwarded by npm (the start script `exec`s node, so no
 * shell stands between npm and us to die of them), go to it: nothing is left running after we are gone.
 */
let current;
let stopSignal;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopSignal ??= signal;
    current?.kill(signal);
  });
}

/** Runs a command with this terminal; resolves with its exit code (1 when killed by a signal). */
function run(command, args) {
  return new Promise((resolve, reject) => {
    current = spawn(command, args, { cwd: root, stdio: 'inherit' });
    current.on('error', reject);
    current.on('close', (code) => resolve(code ?? 1));
  });
}

/** Stopped before the gateway ran: ends by the signal itself, as the shell and npm expect of a stopped command. */
function endBy(signal) {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}

const firstRun = !existsSync(cli);
say(firstRun ? 'building all packages (the first run takes about a minute)…' : 'building what changed…');
const started = Date.now();
// A progress line every 15 s, so a long first build never looks like a hang.
const progress = setInterval(() => say(`still building (${Math.round((Date.now() - started) / 1000)} s)…`), 15_000);
const built = await run(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-b']);
clearInterval(progress);
if (stopSignal) {
  say('stopped before the gateway started');
  endBy(stopSignal);
} else if (built !== 0) {
  say('the build failed (see above)');
  process.exit(built);
} else {
  say(`built in ${Math.round((Date.now() - started) / 1000)} s; starting the gateway…`);
  // The gateway's own process gets the signals (Ctrl-C, SIGTERM) and its exit code is ours.
  current = spawn(process.execPath, [cli, 'start', ...process.argv.slice(2)], { stdio: 'inherit' });
  current.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
