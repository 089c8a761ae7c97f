// The preload bundle's code cache (src/agent/bundle-cache.ts): written next to the bundle by the
// first start, kept by the next ones, and never in the app's way when it is bad or cannot be written.
// Each test runs a copy of dist/ inside the repo (so @opentelemetry/api still resolves from
// node_modules) and owns that copy's cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runNode, ROOT } from '../helpers/run-cli.mjs';

function distCopy(t) {
  const dir = mkdtempSync(join(ROOT, 'dist-copy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dist = join(dir, 'dist');
  cpSync(join(ROOT, 'dist'), dist, { recursive: true, filter: (src) => !src.includes('.cache') });
  return dist;
}

// Started agents say so through their handle; nothing is exported (the console exporter prints no span).
const PROGRAM = ['-e', "console.log(globalThis[Symbol.for('otel-instrument')] !== undefined ? 'started' : 'not started')"];
const ENV = { env: { OTEL_TRACES_EXPORTER: 'console' } };

async function start(dist, entry) {
  const args = entry === 'import' ? ['--import', pathToFileURL(join(dist, 'register.mjs')).href] : ['--require', join(dist, 'register.js')];
  const run = await runNode([...args, ...PROGRAM], ENV);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'started\n');
  assert.doesNotMatch(run.stderr, /error|warn/i);
  return run;
}

const cacheFiles = (dist) => readdirSync(join(dist, 'agent', '.cache')).sort();

for (const entry of ['require', 'import']) {
  test(`--${entry}: the first start writes one cache file, the next start keeps it`, async (t) => {
    const dist = distCopy(t);
    await start(dist, entry);
    const [file, ...others] = cacheFiles(dist);
    assert.deepEqual(others, []);
    assert.match(file, /^[0-9a-f]{16}-v\d+\.\d+\.\d+-/);
    const written = statSync(join(dist, 'agent', '.cache', file));
    await start(dist, entry);
    assert.deepEqual(cacheFiles(dist), [file]);
    assert.equal(statSync(join(dist, 'agent', '.cache', file)).mtimeMs, written.mtimeMs, 'a cache V8 accepted is not rewritten');
  });
}

test('a corrupt cache file is rejected quietly and replaced', async (t) => {
  const dist = distCopy(t);
  await start(dist, 'require');
  const [file] = cacheFiles(dist);
  const path = join(dist, 'agent', '.cache', file);
  writeFileSync(path, 'not a V8 code cache');
  await start(dist, 'require');
  assert.notEqual(readFileSync(path, 'utf8'), 'not a V8 code cache');
});

test('a cache from another build is removed when this build writes its own', async (t) => {
  const dist = distCopy(t);
  await start(dist, 'require');
  const stale = join(dist, 'agent', '.cache', `0000000000000000-${process.version}-${process.arch}-00000000.bin`);
  writeFileSync(stale, 'old');
  rmSync(join(dist, 'agent', '.cache', cacheFiles(dist).find((f) => !f.startsWith('0000'))));
  await start(dist, 'require');
  assert.equal(cacheFiles(dist).length, 1);
  assert.ok(!cacheFiles(dist)[0].startsWith('0000'));
});

test('where the cache cannot be written the app starts all the same, every time', async (t) => {
  const dist = distCopy(t);
  writeFileSync(join(dist, 'agent', '.cache'), 'a file where the cache directory would be');
  await start(dist, 'require');
  await start(dist, 'import');
});

// A process that exits before the event loop's first turn (a script done at once, `-e 0`, an app
// calling process.exit() as it starts) writes its cache at exit: before, it never wrote one, and
// every such start compiled the whole bundle (60M instructions on Node 24).
for (const entry of ['require', 'import']) {
  test(`--${entry}: a process that exits at once writes the cache too`, async (t) => {
    const dist = distCopy(t);
    const args = entry === 'import' ? ['--import', pathToFileURL(join(dist, 'register.mjs')).href] : ['--require', join(dist, 'register.js')];
    const run = await runNode([...args, '-e', 'process.exit(3)'], ENV);
    assert.equal(run.code, 3, run.stderr);
    assert.equal(cacheFiles(dist).length, 1);
  });
}

test('the code given to -e does not make another cache file', async (t) => {
  const dist = distCopy(t);
  const args = ['--require', join(dist, 'register.js')];
  for (const code of ['process.exitCode = 0', 'process.exitCode = 0 // another', 'void 0']) {
    const run = await runNode([...args, '-e', code], ENV);
    assert.equal(run.code, 0, run.stderr);
  }
  const [file, ...others] = cacheFiles(dist);
  assert.deepEqual(others, []);
  const written = statSync(join(dist, 'agent', '.cache', file)).mtimeMs;
  const run = await runNode([...args, '-p', '1 + 1'], ENV);
  assert.equal(run.stdout, '2\n');
  assert.equal(cacheFiles(dist).length, 2, '-p is another way of running (its own flags), whatever the code');
  assert.equal(statSync(join(dist, 'agent', '.cache', file)).mtimeMs, written);
  // -pe (print and eval in one flag): a third way of running, one file whatever its code.
  for (const code of ['2 + 2', '"other code"']) {
    const pe = await runNode([...args, '-pe', code], ENV);
    assert.equal(pe.code, 0, pe.stderr);
  }
  assert.equal(cacheFiles(dist).length, 3, 'the code given to -pe does not make another cache file');
});

test('at most 8 cache files per build: the oldest go', async (t) => {
  const dist = distCopy(t);
  await start(dist, 'require');
  const [file] = cacheFiles(dist);
  const build = file.slice(0, 16);
  const cacheDir = join(dist, 'agent', '.cache');
  // Ten other ways of running this build, older than the one written next.
  for (let i = 0; i < 10; i++) {
    const other = join(cacheDir, `${build}-${process.version}-${process.arch}-${String(i).padStart(8, '0')}.bin`);
    writeFileSync(other, 'another flag set');
    utimesSync(other, 1000 + i, 1000 + i);
  }
  const run = await runNode(['--require', join(dist, 'register.js'), '--no-warnings', ...PROGRAM], ENV);
  assert.equal(run.code, 0, run.stderr);
  const files = cacheFiles(dist);
  assert.equal(files.length, 8, files.join(' '));
  assert.ok(files.includes(file), 'the newest are kept');
  assert.ok(!files.some((f) => f.endsWith('-00000000.bin') || f.endsWith('-00000001.bin')), 'the oldest went');
});
