// `otel-instrument bootstrap` through the real CLI on app folders made in temp dirs, with real
// installed packages linked in from the version-matrix fixtures: the report's rows, the JSON,
// `--action requirements`, the start commands and the exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { runCli, ROOT } from '../helpers/run-cli.mjs';
import { FRAMEWORKS, PG_VERSIONS } from '../helpers/frameworks.mjs';

const require = createRequire(import.meta.url);
const { INSTRUMENTATIONS } = require('../../dist/instrumentations/index.js');

/** An app folder: package.json, files, and node_modules entries linked to real installs. */
function makeApp(t, { pkg, files = {}, links = {}, fakes = {} }) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'oteli-bootstrap-')));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  if (pkg !== undefined) writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  for (const [name, target] of Object.entries(links)) {
    const at = join(dir, 'node_modules', ...name.split('/'));
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(target, at, 'dir');
  }
  for (const [name, version] of Object.entries(fakes)) {
    const at = join(dir, 'node_modules', name);
    mkdirSync(at, { recursive: true });
    writeFileSync(join(at, 'package.json'), JSON.stringify({ name, version, main: 'index.js' }));
    writeFileSync(join(at, 'index.js'), 'module.exports = {};\n');
  }
  return dir;
}

const installed = (set, variant, name) => join(set, variant, 'node_modules', name);
const bootstrap = (args, opts) => runCli(['bootstrap', ...args], { env: { OTEL_SDK_DISABLED: 'false' }, ...opts });
const row = (report, id) => report.libraries.find((r) => r.id === id);

test('a CommonJS app with express 4 and pg: rows, start command, start script, requirements', async (t) => {
  const dir = makeApp(t, {
    pkg: { name: 'orders', version: '1.0.0', main: 'server.js', scripts: { start: 'node server.js' }, dependencies: { express: '^4', pg: '^8' } },
    files: { 'server.js': '' },
    links: { express: installed(FRAMEWORKS, 'express4', 'express'), pg: installed(PG_VERSIONS, 'pg8', 'pg') },
  });
  const text = await bootstrap([dir]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^express\s+4\.22\.3\s+>=4\.6\.0 <6\s+will be traced\s+express$/m);
  assert.match(text.stdout, /^pg\s+8\.23\.1\s+>=8\.0\.3 <9\s+will be traced\s+pg$/m);
  assert.match(text.stdout, /^fastify\s+-\s+>=4 <6\s+not installed\s+fastify$/m);
  assert.match(text.stdout, /^node:http\s+will be traced\s+http$/m);
  assert.match(text.stdout, /^fetch\s+will be traced\s+undici$/m);
  assert.match(text.stdout, /The app is CommonJS \(main: server\.js\)\. Start it with:\n {2}otel-instrument node server\.js\n/);
  assert.match(text.stdout, /NODE_OPTIONS="--import otel-instrument\/register" node server\.js/);
  assert.match(text.stdout, /"start": "otel-instrument node server\.js"/);
  assert.doesNotMatch(text.stdout, /Conflicts/);

  const json = JSON.parse((await bootstrap([dir, '--json'])).stdout);
  assert.deepEqual(Object.keys(json), ['app', 'node', 'libraries', 'builtins', 'start', 'conflicts']);
  assert.deepEqual(json.app, { dir, name: 'orders', moduleType: 'commonjs', main: 'server.js' });
  assert.deepEqual(row(json, 'express'), { id: 'express', module: 'express', supported: '>=4.6.0 <6', installed: '4.22.3', path: realpathSync(installed(FRAMEWORKS, 'express4', 'express')), status: 'traced' });
  assert.deepEqual(json.start, {
    command: 'otel-instrument node server.js',
    nodeOptions: 'NODE_OPTIONS="--import otel-instrument/register" node server.js',
    startScript: { original: 'node server.js', rewritten: 'otel-instrument node server.js' },
  });
  assert.equal(json.node.version, process.versions.node);

  const requirements = await bootstrap([dir, '--action', 'requirements']);
  assert.equal(requirements.stdout, 'http\nundici\nexpress\npg\n');
});

test('an ES module app with fastify 5 (and @fastify/cors): the ESM start command', async (t) => {
  const dir = makeApp(t, {
    pkg: { name: 'api', type: 'module', main: 'app.js', dependencies: { fastify: '^5' } },
    files: { 'app.js': '' },
    links: { fastify: installed(FRAMEWORKS, 'fastify5', 'fastify') },
  });
  const json = JSON.parse((await bootstrap([dir, '--json'])).stdout);
  assert.equal(json.app.moduleType, 'module');
  assert.equal(row(json, 'fastify').status, 'traced');
  assert.equal(row(json, 'fastify').installed, '5.12.8');
  assert.equal(json.start.command, 'otel-instrument node app.js');
  assert.equal(json.start.startScript, null);
});

test('a TypeScript app with tsx: the command with the loader', async (t) => {
  const dir = makeApp(t, {
    pkg: { name: 'ts-app', scripts: { start: 'tsx src/main.ts' }, devDependencies: { tsx: '^4' } },
    files: { 'src/main.ts': '' },
    fakes: { tsx: '4.19.0' },
  });
  const json = JSON.parse((await bootstrap([dir, '--json'])).stdout);
  assert.equal(json.app.moduleType, 'typescript');
  assert.equal(json.app.main, 'src/main.ts');
  assert.equal(json.start.command, 'otel-instrument node --import tsx src/main.ts');
  assert.deepEqual(json.start.startScript, { original: 'tsx src/main.ts', rewritten: 'otel-instrument tsx src/main.ts' });
});

test('an out-of-range version: reported, not a requirement; --strict exits 1', async (t) => {
  const dir = makeApp(t, { pkg: { name: 'old', dependencies: { express: '^3' } }, fakes: { express: '3.21.2' } });
  const text = await bootstrap([dir]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^express\s+3\.21\.2\s+>=4\.6\.0 <6\s+unsupported version: not traced\s+express$/m);
  assert.match(text.stdout, /Not traced: express@3\.21\.2 \(supported: >=4\.6\.0 <6\)/);
  assert.doesNotMatch((await bootstrap([dir, '--action', 'requirements'])).stdout, /express/);
  assert.equal((await bootstrap([dir, '--strict'])).code, 1);
});

test('an npm workspace: the library hoisted to the root is found from the package folder', async (t) => {
  const root = makeApp(t, {
    pkg: { name: 'monorepo', private: true, workspaces: ['packages/*'] },
    files: { 'packages/web/package.json': JSON.stringify({ name: 'web', dependencies: { express: '^5' } }), 'packages/web/index.js': '' },
    links: { express: installed(FRAMEWORKS, 'express5', 'express') },
  });
  const json = JSON.parse((await bootstrap([join(root, 'packages', 'web'), '--json'])).stdout);
  assert.equal(row(json, 'express').installed, '5.3.0');
  assert.equal(row(json, 'express').status, 'traced');
  assert.equal(json.app.main, 'index.js');
});

test('a pnpm layout (node_modules/<name> a symlink into .pnpm): found, with its real path', async (t) => {
  const dir = makeApp(t, { pkg: { name: 'pnpm-app', dependencies: { pg: '8.0.3' } } });
  const store = join(dir, 'node_modules', '.pnpm', 'pg@8.0.3', 'node_modules');
  mkdirSync(store, { recursive: true });
  symlinkSync(installed(PG_VERSIONS, 'pg8-lowest', 'pg'), join(store, 'pg'), 'dir');
  symlinkSync(join(store, 'pg'), join(dir, 'node_modules', 'pg'), 'dir');
  const json = JSON.parse((await bootstrap([dir, '--json'])).stdout);
  assert.equal(row(json, 'pg').installed, '8.0.3');
  assert.equal(row(json, 'pg').path, realpathSync(installed(PG_VERSIONS, 'pg8-lowest', 'pg')));
});

test('an app with dd-trace and its own OpenTelemetry pieces: each conflict, what happens, what to do', async (t) => {
  const dir = makeApp(t, {
    pkg: { name: 'mixed', dependencies: { 'dd-trace': '^5', '@opentelemetry/sdk-node': '^0.200.0', '@opentelemetry/instrumentation-http': '^0.200.0' } },
    links: { 'dd-trace': join(ROOT, 'node_modules', 'dd-trace') },
  });
  const json = JSON.parse((await bootstrap([dir, '--json'])).stdout);
  assert.deepEqual(json.conflicts.map((c) => [c.package, c.kind]), [
    ['dd-trace', 'agent'],
    ['@opentelemetry/sdk-node', 'sdk'],
    ['@opentelemetry/instrumentation-http', 'instrumentation'],
  ]);
  const dd = json.conflicts[0];
  assert.equal(dd.version, require(join(ROOT, 'node_modules', 'dd-trace', 'package.json')).version);
  assert.match(dd.effect, /our http, undici, express, fastify, pg instrumentations stand down/);
  assert.match(json.conflicts[2].effect, /our http instrumentation stands down/);
  const text = await bootstrap([dir]);
  assert.match(text.stdout, /Conflicts:\n {2}dd-trace@\S+ \(another tracing agent\): .*\n {4}What to do: run the app with one tracing agent/);
});

test('no package.json, or no such folder: one line, exit 2, no stack; a bad flag: exit 2', async (t) => {
  const empty = makeApp(t, {});
  for (const dir of [empty, join(empty, 'missing')]) {
    const run = await bootstrap([dir]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^otel-instrument: bootstrap: /);
  }
  assert.equal((await bootstrap([empty, '--action', 'install'])).code, 2);
  assert.equal((await bootstrap(['--nope'])).code, 2);
});

test('the supported ranges and ids in the report are the definitions\' own', async (t) => {
  const dir = makeApp(t, { pkg: { name: 'none' } });
  const json = JSON.parse((await bootstrap([dir, '--json'])).stdout);
  for (const def of INSTRUMENTATIONS) {
    const main = def.targets.filter((target) => target.module === def.targets[0]?.module && target.file === undefined).map((target) => target.versions);
    const reported = json.libraries.find((r) => r.id === def.id) ?? json.builtins.find((b) => b.id === def.id);
    assert.ok(reported, `${def.id} is in the report`);
    if ('supported' in reported) assert.equal(reported.supported, main.join(' || '));
  }
});
