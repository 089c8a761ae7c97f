// Module systems (issue #24): the reference app (test/helpers/compat.mjs) as CommonJS, as ESM
// importing the CommonJS libraries in every import style (default, named, namespace, dynamic
// import(), createRequire), and as CommonJS require()-ing an ES module, each through the CLI and
// through `node --import otel-instrument/register`: the same trace every time. node:http's own
// import styles are in http-import-styles.test.mjs; fake modules' in hooks-import.test.mjs.
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CLI, REGISTER_MJS } from '../helpers/run-cli.mjs';
import { REFERENCE_DEPENDENCIES, assertReferenceTrace, copyReferenceApp, runReferenceApp } from '../helpers/compat.mjs';
import { installedApp } from '../helpers/temp-install.mjs';

const APP = { 'package.json': { name: 'compat-app', version: '1.0.0', private: true, dependencies: REFERENCE_DEPENDENCIES } };
const FILES = ['app.cjs', 'app.mjs', 'serve.mjs', 'app-named.mjs', 'app-namespace.mjs', 'app-dynamic.mjs', 'app-create-require.mjs', 'app-require-esm.cjs'];

// require(esm) without a flag: Node 20.19+, 22.12+ (process.features.require_module).
const requireEsm = process.features.require_module === true;

const CASES = [
  ['app.cjs', 'CommonJS'],
  ['app.mjs', 'ESM, default imports'],
  ['app-named.mjs', 'ESM, named imports'],
  ['app-namespace.mjs', 'ESM, namespace imports'],
  ['app-dynamic.mjs', 'ESM, dynamic import()'],
  ['app-create-require.mjs', 'ESM, createRequire'],
  ['app-require-esm.cjs', 'CommonJS require() of an ES module', !requireEsm && `require(esm) needs Node >= 20.19 / 22.12, this is ${process.version}`],
];

for (const [file, what, skip] of CASES) {
  test(`${what} (${file}): under the CLI and with --import otel-instrument/register`, { timeout: 240000, skip }, async () => {
    const dir = await installedApp('npm', APP);
    copyReferenceApp(dir, FILES);
    const viaCli = await runReferenceApp(process.execPath, [CLI, 'node', file], { cwd: dir });
    assertReferenceTrace(viaCli.spans, { pid: viaCli.pid });
    const viaImport = await runReferenceApp(process.execPath, ['--import', pathToFileURL(REGISTER_MJS).href, file], { cwd: dir });
    assertReferenceTrace(viaImport.spans, { pid: viaImport.pid });
  });
}
