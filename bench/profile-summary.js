// Prints the self-time summary of a .cpuprofile again, e.g. one kept from an earlier run:
//   node bench/profile-summary.js bench/results/profiles-…/CPU.….cpuprofile [top]
import { formatProfile, summarizeProfile } from './lib/cpu-profile.js';
import { repoRoot } from './lib/fixtures.js';

const [file, top] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.js FILE.cpuprofile [top]\n');
  process.exit(2);
}
console.log(formatProfile(summarizeProfile(file, { top: Number(top ?? 25), repoRoot }), file));
