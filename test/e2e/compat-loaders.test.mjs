// Loaders (issue #24): the reference app in TypeScript (test/fixtures/compat/app.ts) run through
// tsx, ts-node's ESM loader and Node's own type stripping, with our preload in NODE_OPTIONS: our
// hooks chain with theirs, and both work (the app runs from its .ts source, and gives the plain
// CommonJS app's trace). tsx, ts-node and typescript are installed from the npm registry.
import { test } from 'node:test';
import { join } from 'node:path';
import { CLI } from '../helpers/run-cli.mjs';
import { REFERENCE_DEPENDENCIES, assertReferenceTrace, copyReferenceApp, runReferenceApp } from '../helpers/compat.mjs';
import { installedApp } from '../helpers/temp-install.mjs';

const APP = {
  'package.json': {
    name: 'compat-ts-app',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies: { ...REFERENCE_DEPENDENCIES, tsx: '4.21.0', 'ts-node': '10.9.2', typescript: '5.9.3' },
  },
  // ts-node's ESM loader compiles to what tsconfig says; without `module: NodeNext` it emits
  // CommonJS into an ES module and the app dies before its first line, agent or not.
  'tsconfig.json': { compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', esModuleInterop: true, skipLibCheck: true } },
};

const [major, minor] = process.versions.node.split('.').map(Number);
const atLeast = (M, m) => major > M || (major === M && minor >= m);

async function tsApp() {
  const dir = await installedApp('npm', APP);
  copyReferenceApp(dir, ['app.ts']);
  return dir;
}

async function assertTraced(args, { dir, env = {} }) {
  // node_modules/.bin on PATH, as in an npm script, so that `tsx` is found by name.
  const path = `${join(dir, 'node_modules', '.bin')}:${process.env.PATH}`;
  const { spans, pid } = await runReferenceApp(process.execPath, [CLI, ...args], { cwd: dir, env: { PATH: path, ...env } });
  assertReferenceTrace(spans, { pid });
}

test('otel-instrument node --import tsx app.ts', { timeout: 240000 }, async () => {
  const dir = await tsApp();
  await assertTraced(['node', '--import', 'tsx', 'app.ts'], { dir });
});

test('otel-instrument tsx app.ts (tsx runs the app in a child node with its loader)', { timeout: 240000 }, async () => {
  const dir = await tsApp();
  await assertTraced(['tsx', 'app.ts'], { dir });
});

test('ts-node\'s ESM loader: otel-instrument node --loader ts-node/esm app.ts (type-check off, as with tsx)', { timeout: 240000 }, async () => {
  const dir = await tsApp();
  await assertTraced(['node', '--no-warnings', '--loader', 'ts-node/esm', 'app.ts'], { dir, env: { TS_NODE_TRANSPILE_ONLY: 'true' } });
});

test('Node\'s type stripping: otel-instrument node --experimental-strip-types app.ts', { timeout: 240000, skip: !atLeast(22, 6) && `--experimental-strip-types needs Node >= 22.6, this is ${process.version}` }, async () => {
  const dir = await tsApp();
  await assertTraced(['node', '--experimental-strip-types', '--no-warnings', 'app.ts'], { dir });
});

test('Node\'s type stripping by default: otel-instrument node app.ts', { timeout: 240000, skip: !atLeast(23, 6) && `type stripping is on by default from Node 23.6, this is ${process.version}` }, async () => {
  const dir = await tsApp();
  await assertTraced(['node', 'app.ts'], { dir });
});
