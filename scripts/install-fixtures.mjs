// Installs the version-matrix fixtures: each folder under test/fixtures/frameworks/ (and the
// like) has a package.json with exact versions, installed into its own node_modules from the npm
// registry, so that each test runs the real library at that version under its real name (an npm
// alias would change the module name and so not test the hook). A folder whose installed
// versions already match is skipped, so the test runner can call this every time.
// With --rivals it installs the benchmark's rival agents instead (bench/rivals/<agent>/, the same
// way: each in its own node_modules, so that its dependency tree is the one its users get).
//   node scripts/install-fixtures.mjs [--rivals] [--quiet]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURE_SETS = ['test/fixtures/frameworks', 'test/fixtures/pg-versions'];
export const RIVAL_SETS = ['bench/rivals'];

function installedVersion(dir, name) {
  const manifest = join(dir, 'node_modules', name, 'package.json');
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : undefined;
}

export function installFixtures({ quiet = false, sets = FIXTURE_SETS } = {}) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  for (const set of sets) {
    const base = join(root, set);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const dir = join(base, name);
      const manifestPath = join(dir, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const { dependencies = {} } = JSON.parse(readFileSync(manifestPath, 'utf8'));
      const stale = Object.entries(dependencies).filter(([dep, version]) => installedVersion(dir, dep) !== version);
      if (stale.length === 0) continue;
      if (!quiet) console.error(`install-fixtures: ${set}/${name}: ${stale.map(([d, v]) => `${d}@${v}`).join(', ')}`);
      const result = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
      if (result.status !== 0) return result.status ?? 1;
    }
  }
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sets = process.argv.includes('--rivals') ? RIVAL_SETS : FIXTURE_SETS;
  process.exit(installFixtures({ quiet: process.argv.includes('--quiet'), sets }));
}
