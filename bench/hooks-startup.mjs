// Start-up cost of the two ways to register the ESM loader (not a test):
//   sync  = module.registerHooks(), in-thread (import-in-the-middle/register-hooks.mjs)
//   async = module.register(), hooks on a loader thread (import-in-the-middle/hook.mjs)
// against no preload at all, for an ES-module app and a CommonJS app that each load node:http,
// node:https, node:os, two instrumented fake packages (fake-cjs, fake-esm from test/fixtures/hooks),
// 10 plain packages and 50 plain local modules; and a large ESM and CJS app (2000 small modules). The preload is the hook layer only (the real
// http/fetch definitions + the fakes, no SDK), so the numbers isolate the loader path.
//
// Spawns are interleaved (every variant once per round, rotating the order) and medians reported,
// so load from other processes hits every variant alike. Run after `npm run build`:
//   node bench/hooks-startup.mjs [--runs 30] [--node /path/to/node]...
// With several --node flags each Node.js is measured in turn. Writes .bench/hooks-startup.md.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const OUT = join(ROOT, '.bench');
const APP = join(OUT, 'hooks-startup');
const PLAIN_MODULES = 50;
const PLAIN_PACKAGES = 5; // of each kind (ESM, CJS)
const LARGE_MODULES = 2000; // the "large" apps: per-module cost of each path

function parseArgs(argv) {
  const args = { runs: 30, nodes: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') args.runs = Number(argv[++i]);
    else if (argv[i] === '--node') args.nodes.push(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (args.nodes.length === 0) args.nodes.push(process.execPath);
  return args;
}

function body(i) {
  // A little real code per module, so parsing is not free.
  return `
export function f${i}(items) {
  const out = [];
  for (const item of items) out.push(join(String(item), 'x${i}'));
  return out.length > 0 ? out : [${i}];
}
export const k${i} = { id: ${i}, name: 'module-${i}', tags: ['a', 'b', 'c'] };
export class C${i} { constructor() { this.v = ${i}; } get value() { return this.v * 2; } }
`;
}

function writeApp() {
  rmSync(APP, { recursive: true, force: true });
  const nm = join(APP, 'node_modules');
  for (const pkg of ['fake-cjs', 'fake-esm']) {
    cpSync(join(ROOT, 'test', 'fixtures', 'hooks', 'node_modules', pkg), join(nm, pkg), { recursive: true });
  }
  for (let i = 0; i < PLAIN_PACKAGES; i++) {
    const esm = join(nm, `plain-esm-${i}`);
    mkdirSync(esm, { recursive: true });
    writeFileSync(join(esm, 'package.json'), JSON.stringify({ name: `plain-esm-${i}`, version: '1.0.0', type: 'module', exports: './index.js' }));
    writeFileSync(join(esm, 'index.js'), `import { join } from 'node:path';\n${body(i)}`);
    const cjs = join(nm, `plain-cjs-${i}`);
    mkdirSync(cjs, { recursive: true });
    writeFileSync(join(cjs, 'package.json'), JSON.stringify({ name: `plain-cjs-${i}`, version: '1.0.0', main: 'index.js' }));
    writeFileSync(join(cjs, 'index.js'), `'use strict';\nconst { join } = require('node:path');\n${body(i).replace(/export /g, '')}\nmodule.exports = { f${i}, k${i}, C${i} };\n`);
  }
  mkdirSync(join(APP, 'src'));
  const esmImports = [];
  const cjsRequires = [];
  for (let i = 0; i < PLAIN_MODULES; i++) {
    writeFileSync(join(APP, 'src', `m${i}.mjs`), `import { join } from 'node:path';\n${body(i)}`);
    writeFileSync(join(APP, 'src', `m${i}.cjs`), `'use strict';\nconst { join } = require('node:path');\nexports.f${i} = (items) => items.map((x) => join(String(x), 'x${i}'));\n`);
    esmImports.push(`import { f${i} } from './src/m${i}.mjs';`);
    cjsRequires.push(`require('./src/m${i}.cjs');`);
  }
  for (let i = 0; i < PLAIN_PACKAGES; i++) {
    esmImports.push(`import 'plain-esm-${i}';`, `import 'plain-cjs-${i}';`);
    cjsRequires.push(`require('plain-cjs-${i}');`);
  }
  // The app checks the patches took, so a variant that silently stopped instrumenting shows up.
  const check = (greetA, greetB) => `
if (process.env.BENCH_EXPECT_PATCHED === '1' && !(${greetA}.startsWith('patched:') && ${greetB}.startsWith('patched:'))) {
  console.error('fakes not patched'); process.exit(3);
}`;
  writeFileSync(
    join(APP, 'app.mjs'),
    `import http, { request } from 'node:http';
import { get } from 'node:https';
import { hostname } from 'node:os';
import cjs, { greet } from 'fake-cjs';
import esmGreet, { greet as esmNamed } from 'fake-esm';
${esmImports.join('\n')}
${check("greet('a')", "esmNamed('b')")}
`,
  );
  writeFileSync(
    join(APP, 'app.cjs'),
    `'use strict';
const http = require('node:http');
const https = require('node:https');
const { hostname } = require('node:os');
const { greet } = require('fake-cjs');
${cjsRequires.join('\n')}
${check("greet('a')", "'patched:'")}
`,
  );
  // Large apps: the same instrumented modules plus LARGE_MODULES small CommonJS files, imported
  // (ESM) or required (CJS); shows what each path costs per module.
  mkdirSync(join(APP, 'large'));
  const largeImports = [];
  const largeRequires = [];
  for (let i = 0; i < LARGE_MODULES; i++) {
    writeFileSync(join(APP, 'large', `l${i}.cjs`), `'use strict';\nconst { join } = require('node:path');\nexports.f${i} = (x) => join(String(x), 'y${i}');\n`);
    largeImports.push(`import './large/l${i}.cjs';`);
    largeRequires.push(`require('./large/l${i}.cjs');`);
  }
  writeFileSync(join(APP, 'large.mjs'), `import 'node:http';\nimport { greet } from 'fake-cjs';\n${largeImports.join('\n')}\n${check("greet('a')", "'patched:'")}\n`);
  writeFileSync(join(APP, 'large.cjs'), `'use strict';\nrequire('node:http');\nconst { greet } = require('fake-cjs');\n${largeRequires.join('\n')}\n${check("greet('a')", "'patched:'")}\n`);
  // The hook layer as the agent installs it, the loader path forced by BENCH_ESM_MODE.
  writeFileSync(
    join(APP, 'preload.mjs'),
    `import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(pathToFileURL(join(ROOT, 'package.json')).href)});
const dist = ${JSON.stringify(DIST)};
process.env.HOOKS_IDS = 'fake-cjs,fake-esm';
const { definitions } = require('./test/fixtures/hooks/definitions.cjs');
const { trace } = require('@opentelemetry/api');
const { readConfig } = require(dist + '/config/index.js');
const { INSTRUMENTATIONS } = require(dist + '/instrumentations/index.js');
const { selectDefinitions, loaderIncludeList } = require(dist + '/hooks/select.js');
const { installHooks } = require(dist + '/hooks/install.js');
const { registerEsmLoader } = await import(${JSON.stringify(pathToFileURL(join(DIST, 'hooks', 'esm-loader.mjs')).href)});
const config = readConfig();
const defs = [...INSTRUMENTATIONS, ...definitions()];
const mode = process.env.BENCH_ESM_MODE;
const path = await registerEsmLoader(loaderIncludeList(selectDefinitions(defs, config)), { mode });
if (path !== mode) { console.error('wanted the ' + mode + ' path, got ' + path); process.exit(4); }
installHooks(defs, (id) => ({ id, tracer: trace.getTracer('otel-instrument/' + id), config }), config);
`,
  );
}

const VARIANTS = [
  { name: 'esm app, no preload', app: 'app.mjs', mode: undefined },
  { name: 'esm app, async (module.register)', app: 'app.mjs', mode: 'async' },
  { name: 'esm app, sync (module.registerHooks)', app: 'app.mjs', mode: 'sync' },
  { name: 'cjs app, no preload', app: 'app.cjs', mode: undefined },
  { name: 'cjs app, async (module.register)', app: 'app.cjs', mode: 'async' },
  { name: 'cjs app, sync (module.registerHooks)', app: 'app.cjs', mode: 'sync' },
  { name: `large esm app (${LARGE_MODULES} modules), no preload`, app: 'large.mjs', mode: undefined },
  { name: 'large esm app, async (module.register)', app: 'large.mjs', mode: 'async' },
  { name: 'large esm app, sync (module.registerHooks)', app: 'large.mjs', mode: 'sync' },
  { name: `large cjs app (${LARGE_MODULES} modules), no preload`, app: 'large.cjs', mode: undefined },
  { name: 'large cjs app, async (module.register)', app: 'large.cjs', mode: 'async' },
  { name: 'large cjs app, sync (module.registerHooks)', app: 'large.cjs', mode: 'sync' },
];

function spawnOnce(node, variant) {
  const args = variant.mode === undefined ? [variant.app] : ['--import', './preload.mjs', variant.app];
  const env = { ...process.env, NODE_OPTIONS: '', OTEL_LOG_LEVEL: 'warn' };
  if (variant.mode !== undefined) Object.assign(env, { BENCH_ESM_MODE: variant.mode, BENCH_EXPECT_PATCHED: '1' });
  const start = process.hrtime.bigint();
  const r = spawnSync(node, args, { cwd: APP, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status === 4) return undefined; // this Node.js cannot take that loader path
  if (r.status !== 0 || r.stderr !== '') {
    throw new Error(`${variant.name} on ${node} failed (status ${r.status}):\n${r.stderr}`);
  }
  return ms;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))];

function measure(node, runs) {
  // The warm-up fills the file cache, fails fast, and finds the paths this Node.js lacks.
  const times = VARIANTS.map((v) => (spawnOnce(node, v) === undefined ? undefined : []));
  for (let round = 0; round < runs; round++) {
    for (let j = 0; j < VARIANTS.length; j++) {
      const i = (j + round) % VARIANTS.length;
      times[i]?.push(spawnOnce(node, VARIANTS[i]));
    }
  }
  return times.map((t) => t?.sort((a, b) => a - b));
}

function table(version, runs, times) {
  const lines = [
    `Node.js ${version}, ${runs} interleaved runs per row, wall time of one process start to exit (ms):`,
    '',
    '| variant | median | p25 | p75 | median − no preload |',
    '|---|---:|---:|---:|---:|',
  ];
  VARIANTS.forEach((v, i) => {
    if (times[i] === undefined) {
      lines.push(`| ${v.name} | n/a | | | |`);
      return;
    }
    const base = times[VARIANTS.findIndex((b) => b.app === v.app && b.mode === undefined)];
    const med = quantile(times[i], 0.5);
    const delta = v.mode === undefined ? '' : `+${(med - quantile(base, 0.5)).toFixed(1)}`;
    lines.push(`| ${v.name} | ${med.toFixed(1)} | ${quantile(times[i], 0.25).toFixed(1)} | ${quantile(times[i], 0.75).toFixed(1)} | ${delta} |`);
  });
  return lines.join('\n');
}

const { runs, nodes } = parseArgs(process.argv.slice(2));
if (!existsSync(join(DIST, 'hooks', 'esm-loader.mjs'))) throw new Error('run `npm run build` first');
writeApp();
const sections = [];
for (const node of nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const section = table(version, runs, measure(node, runs));
  console.log(`${section}\n`);
  sections.push(section);
}
writeFileSync(join(OUT, 'hooks-startup.md'), `${sections.join('\n\n')}\n`);
