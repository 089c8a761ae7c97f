// Package layouts (issue #24): the reference app (test/helpers/compat.mjs) installed from the npm
// registry by npm, pnpm, yarn classic, as an npm workspace, with two copies of express and pg in
// one tree, and started through a node_modules/.bin launcher, must give the plain CommonJS app's
// trace in each. The CLI is the repo's bin, except where the agent itself is installed into the
// app from `npm pack`, as users install it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT } from '../helpers/run-cli.mjs';
import { COMPAT_FIXTURES, REFERENCE_DEPENDENCIES, assertReferenceTrace, copyReferenceApp, runReferenceApp, withoutBuiltinMiddleware } from '../helpers/compat.mjs';
import { copyOfApp, installedApp, installerEnv, packAgent, resolvedPackage, run, toolBin, COMPAT_CACHE } from '../helpers/temp-install.mjs';
import { drawTree } from '../helpers/trace-tree.mjs';

const APP = { 'package.json': { name: 'compat-app', version: '1.0.0', private: true, dependencies: REFERENCE_DEPENDENCIES } };
const REFERENCE_FILES = ['app.cjs', 'app.mjs', 'serve.mjs'];
const cli = (args, opts) => runReferenceApp(process.execPath, [CLI, ...args], opts);

function tempDir(t, prefix) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('npm (hoisted): the plain CommonJS app and the ESM app', { timeout: 240000 }, async () => {
  const dir = await installedApp('npm', APP);
  copyReferenceApp(dir, REFERENCE_FILES);
  assert.equal(resolvedPackage(dir, 'express').path, join(dir, 'node_modules', 'express'), 'hoisted');
  for (const app of ['app.cjs', 'app.mjs']) {
    const { spans, pid } = await cli(['node', app], { cwd: dir });
    assertReferenceTrace(spans, { pid });
  }
});

test('npm: the agent installed into the app from npm pack, run as node_modules/.bin/otel-instrument and as --import otel-instrument/register', { timeout: 240000 }, async (t) => {
  const work = tempDir(t, 'oteli-compat-pack-');
  const tarball = await packAgent(ROOT, work);
  const dir = copyOfApp(await installedApp('npm', APP), join(work, 'app'));
  const added = await run('npm', ['install', '--no-save', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: dir });
  assert.equal(added.code, 0, added.stderr);
  copyReferenceApp(dir, REFERENCE_FILES);
  const bin = join(dir, 'node_modules', '.bin', 'otel-instrument');
  const fromCli = await runReferenceApp(bin, ['node', 'app.cjs'], { cwd: dir });
  assertReferenceTrace(fromCli.spans, { pid: fromCli.pid });
  // The bare specifier resolves from the app's folder to the installed package, not the repo.
  const fromImport = await runReferenceApp(process.execPath, ['--import', 'otel-instrument/register', 'app.mjs'], { cwd: dir });
  assertReferenceTrace(fromImport.spans, { pid: fromImport.pid });
});

test('pnpm: node_modules/<name> are symlinks into the .pnpm store; CommonJS and ESM apps', { timeout: 240000 }, async () => {
  const dir = await installedApp('pnpm', APP);
  copyReferenceApp(dir, REFERENCE_FILES);
  assert.ok(lstatSync(join(dir, 'node_modules', 'express')).isSymbolicLink());
  assert.match(resolvedPackage(dir, 'express').path, /node_modules\/\.pnpm\/express@[^/]+\/node_modules\/express$/);
  // pnpm does not hoist: pg-pool (which pg loads, and we patch) is reachable only from pg's own folder.
  assert.equal(existsSync(join(dir, 'node_modules', 'pg-pool')), false);
  for (const app of ['app.cjs', 'app.mjs']) {
    const { spans, pid } = await cli(['node', app], { cwd: dir });
    assertReferenceTrace(spans, { pid });
  }
});

test('pnpm: the agent added from npm pack by pnpm (its own dependencies inside the .pnpm store)', { timeout: 240000 }, async (t) => {
  const work = tempDir(t, 'oteli-compat-pnpm-pack-');
  const tarball = await packAgent(ROOT, work);
  const dir = copyOfApp(await installedApp('pnpm', APP), join(work, 'app'));
  const added = await run(await toolBin('pnpm'), ['add', '--prefer-offline', '--store-dir', join(COMPAT_CACHE, 'pnpm-store'), '--reporter=append-only', tarball], { cwd: dir });
  assert.equal(added.code, 0, `${added.stdout}\n${added.stderr}`);
  copyReferenceApp(dir, REFERENCE_FILES);
  assert.match(realpathSync(join(dir, 'node_modules', 'otel-instrument')), /\.pnpm/);
  const { spans, pid } = await runReferenceApp(join(dir, 'node_modules', '.bin', 'otel-instrument'), ['node', 'app.mjs'], { cwd: dir });
  assertReferenceTrace(spans, { pid });
});

test('yarn classic', { timeout: 240000 }, async () => {
  const dir = await installedApp('yarn', APP);
  copyReferenceApp(dir, REFERENCE_FILES);
  assert.ok(existsSync(join(dir, 'yarn.lock')));
  const { spans, pid } = await cli(['node', 'app.cjs'], { cwd: dir });
  assertReferenceTrace(spans, { pid });
});

test('npm workspaces: the libraries hoisted to the root; started with npm run -w from the root', { timeout: 240000 }, async () => {
  const dir = await installedApp('npm', {
    'package.json': { name: 'monorepo', private: true, workspaces: ['packages/*'] },
    'packages/api/package.json': { name: 'api', version: '1.0.0', private: true, scripts: { start: 'node app.cjs' }, dependencies: REFERENCE_DEPENDENCIES },
  });
  const pkg = join(dir, 'packages', 'api');
  copyReferenceApp(pkg, REFERENCE_FILES);
  assert.equal(existsSync(join(pkg, 'node_modules', 'express')), false);
  assert.equal(resolvedPackage(pkg, 'express').path, join(dir, 'node_modules', 'express'));
  const direct = await cli(['node', 'app.cjs'], { cwd: pkg });
  assertReferenceTrace(direct.spans, { pid: direct.pid });
  const viaNpm = await cli(['npm', 'run', '--silent', 'start', '-w', 'api'], { cwd: dir, env: installerEnv() });
  assertReferenceTrace(viaNpm.spans, { pid: viaNpm.pid });
});

test('two copies in one tree: express 4 + pg 8 at the top, express 5 + pg 7 nested under a dependency; each handled per its own version', { timeout: 240000 }, async () => {
  const dir = await installedApp('npm', {
    // A packed tarball, not a file: folder: installed as a package (a folder would be a symlink),
    // so its own versions nest under it, as a registry dependency's do.
    'package.json': { name: 'dup-app', private: true, dependencies: { express: '4.22.3', pg: REFERENCE_DEPENDENCIES.pg, 'legacy-lib': 'file:./legacy-lib.tgz' } },
    'legacy-lib/package.json': { name: 'legacy-lib', version: '1.0.0', main: 'index.js', dependencies: { express: REFERENCE_DEPENDENCIES.express, pg: '7.18.2' } },
    'legacy-lib/index.js': readFileSync(join(COMPAT_FIXTURES, 'legacy-lib.js'), 'utf8'),
  }, { pack: ['legacy-lib'] });
  copyReferenceApp(dir, ['dup-app.cjs']);
  const nested = join(dir, 'node_modules', 'legacy-lib');
  assert.equal(resolvedPackage(dir, 'express').version, '4.22.3');
  assert.equal(resolvedPackage(nested, 'express').version, REFERENCE_DEPENDENCIES.express);
  assert.equal(resolvedPackage(nested, 'pg').path, join(nested, 'node_modules', 'pg'));

  const { spans, run: result, pid } = await cli(['node', 'dup-app.cjs'], { cwd: dir, allowWarnings: true });
  // GET /users/:id (SERVER)                              named by express 4 (the top copy)
  // └─ request handler - /users/:id (INTERNAL)
  //    ├─ pg-pool.connect (INTERNAL)
  //    │  └─ pg.connect (CLIENT)
  //    ├─ SELECT (CLIENT)                                pg 8
  //    └─ GET (CLIENT)                                   fetch
  //       └─ GET /legacy/:id (SERVER)                    named by express 5 (the nested copy)
  //          └─ request handler - /legacy/:id (INTERNAL)   and no span from pg 7
  assert.equal(drawTree(withoutBuiltinMiddleware(spans)), [
    'GET /users/:id (SERVER)',
    '└─ request handler - /users/:id (INTERNAL)',
    '   ├─ pg-pool.connect (INTERNAL)',
    '   │  └─ pg.connect (CLIENT)',
    '   ├─ SELECT (CLIENT)',
    '   └─ GET (CLIENT)',
    '      └─ GET /legacy/:id (SERVER)',
    '         └─ request handler - /legacy/:id (INTERNAL)',
  ].join('\n'));
  assert.ok(spans.some((s) => s.name === 'middleware - expressInit'), 'express 4 traced as express 4');
  assert.ok(spans.every((s) => s.resource.attributes['process.pid'] === pid));
  const warnings = result.stderr.split('\n').filter((l) => /OTELI_[WE]_/.test(l));
  assert.equal(warnings.length, 1, result.stderr);
  assert.match(warnings[0], /OTELI_W_UNSUPPORTED_VERSION: pg: pg version 7\.18\.2 is outside the supported range ">=8\.0\.3 <9"; not instrumented \(.*legacy-lib\/node_modules\/pg\)/);
});

test('a node_modules/.bin launcher: a package whose bin serves the app, run directly and through npx', { timeout: 240000 }, async () => {
  const dir = await installedApp('npm', {
    'package.json': { name: 'bin-app', private: true, dependencies: { 'compat-server': 'file:./compat-server.tgz' } },
    'compat-server/package.json': { name: 'compat-server', version: '1.0.0', bin: { 'compat-server': 'bin.js' }, dependencies: REFERENCE_DEPENDENCIES },
    'compat-server/bin.js': `#!/usr/bin/env node\n${readFileSync(join(COMPAT_FIXTURES, 'app.cjs'), 'utf8')}`,
  }, { pack: ['compat-server'] });
  const bin = join(dir, 'node_modules', '.bin', 'compat-server');
  assert.ok(lstatSync(bin).isSymbolicLink());
  const direct = await cli([bin], { cwd: dir });
  assertReferenceTrace(direct.spans, { pid: direct.pid });
  // npx (a package manager: not traced itself) finds the bin in node_modules/.bin.
  const viaNpx = await cli(['npx', '--no-install', 'compat-server'], { cwd: dir, env: installerEnv() });
  assertReferenceTrace(viaNpx.spans, { pid: viaNpx.pid });
});
