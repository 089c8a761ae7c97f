// Bundled apps (issue #24): express and pg bundled into the app's file by esbuild never load by
// name, so no module hook can patch them. The agent says so in one line (OTELI_W_BUNDLED) at the
// first export, naming the libraries and the remedy; with them marked external, the bundle gives
// the plain CommonJS app's trace. esbuild is a dev dependency of this repo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { CLI } from '../helpers/run-cli.mjs';
import { REFERENCE_DEPENDENCIES, assertReferenceTrace, copyReferenceApp, runReferenceApp } from '../helpers/compat.mjs';
import { installedApp } from '../helpers/temp-install.mjs';
import { drawTree } from '../helpers/trace-tree.mjs';

const APP = { 'package.json': { name: 'compat-app', version: '1.0.0', private: true, dependencies: REFERENCE_DEPENDENCIES } };

/** Bundles app.cjs into <app>/bundles/<name>.cjs (beside node_modules, for what stays external). */
async function bundle(name, options = {}) {
  const dir = await installedApp('npm', APP);
  copyReferenceApp(dir, ['app.cjs']);
  mkdirSync(join(dir, 'bundles'), { recursive: true });
  const outfile = join(dir, 'bundles', `${name}.cjs`);
  await build({ entryPoints: [join(dir, 'app.cjs')], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'silent', ...options });
  return { dir, outfile };
}

const warnings = (stderr) => stderr.split('\n').filter((line) => /OTELI_[WE]_/.test(line));

for (const [name, options] of [['bundle', {}], ['bundle-minified', { minify: true }]]) {
  test(`express and pg bundled into the app (${name}): one OTELI_W_BUNDLED line with the remedy; http and fetch still traced`, { timeout: 240000 }, async () => {
    const { dir, outfile } = await bundle(name, options);
    const { spans, run } = await runReferenceApp(process.execPath, [CLI, 'node', outfile], { cwd: dir, spanCount: 3, allowWarnings: true });
    const lines = warnings(run.stderr);
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], /warn OTELI_W_BUNDLED: not traced: express and pg, bundled into .*bundles\/bundle(-minified)?\.cjs/);
    assert.match(lines[0], /esbuild --external:express --external:pg, or packages: 'external'/);
    // GET (SERVER)              no route: express is not patched
    // └─ GET (CLIENT)           fetch
    //    └─ GET (SERVER)
    assert.equal(drawTree(spans), 'GET (SERVER)\n└─ GET (CLIENT)\n   └─ GET (SERVER)');
  });
}

test('only the libraries we would trace are named: pg turned off, the line names express alone', { timeout: 240000 }, async () => {
  const { dir, outfile } = await bundle('bundle');
  const { run } = await runReferenceApp(process.execPath, [CLI, 'node', outfile], { cwd: dir, spanCount: 3, allowWarnings: true, env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' } });
  const lines = warnings(run.stderr);
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0], /OTELI_W_BUNDLED: not traced: express, bundled into /);
  assert.match(lines[0], /esbuild --external:express, or packages/);
});

for (const [how, options] of [['--external:express --external:pg', { external: ['express', 'pg'] }], ["packages: 'external'", { packages: 'external' }]]) {
  test(`bundled with ${how}: the plain CommonJS app's trace, and no warning`, { timeout: 240000 }, async () => {
    const { dir, outfile } = await bundle(`external-${options.packages ?? 'listed'}`, options);
    const { spans, pid } = await runReferenceApp(process.execPath, [CLI, 'node', outfile], { cwd: dir });
    assertReferenceTrace(spans, { pid });
  });
}
