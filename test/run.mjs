// Runs the suite with Node's own test runner: `node test/run.mjs [unit|e2e] [name-filter...]`
// (a file runs when its path contains any of the filters).
// Node 20's `--test` takes no globs, so we list the files ourselves.
import { readdirSync, statSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { build } from '../scripts/build.mjs';
import { installFixtures } from '../scripts/install-fixtures.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const [suite, ...filters] = process.argv.slice(2);
const dirs = suite ? [suite] : ['unit', 'e2e'];

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    // The filter is matched against the path inside test/, not the absolute one: a checkout in
    // a folder whose name contains it (/tmp/wt-oddcalls for `odd`) must not select every file.
    else if (name.endsWith('.test.mjs') && (filters.length === 0 || filters.some((f) => relative(here, path).includes(f)))) out.push(path);
  }
  return out;
}

// The tests load dist/ (the unit tests too, as users load it): build it from the source first,
// so a run never passes on stale output.
if (build() !== 0) {
  console.error('the build failed; no test was run');
  process.exit(1);
}

// The version-matrix fixtures (express 4/5, fastify 4/5, pg …), each in its own folder; a no-op
// once installed.
if (installFixtures() !== 0) {
  console.error('installing the version-matrix fixtures failed; no test was run');
  process.exit(1);
}

const files = dirs.flatMap((d) => collect(join(here, d)));
if (files.length === 0) {
  console.error(`no test files matched ${dirs.join(', ')} ${filters.join(' ')}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '' } },
);
process.exit(result.status ?? 1);
