// The CLI's flag ⇔ env mapping (derived from the settings table), pass-through of the app's
// arguments, usage errors, and the pure helpers of run-command (NODE_OPTIONS, exit codes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { parseArguments, USAGE_EXIT_CODE } = require('../../dist/cli/index.js');
const { FLAGS, snakeFlagName, kebabFlagName } = require('../../dist/cli/flags.js');
const { SETTINGS } = require('../../dist/config/settings.js');
const { nodeOptionsWithPreload } = require('../../dist/cli/run-command.js');
const { exitCodeFor } = require('../../dist/cli/spawn-command.js');

function parse(args) {
  let out = '';
  let err = '';
  const result = parseArguments(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { result, out, err };
}

test('every setting has a flag', () => {
  assert.equal(FLAGS.length, SETTINGS.length);
  assert.ok(SETTINGS.length >= 45);
  assert.deepEqual(FLAGS.map((f) => f.setting.env), SETTINGS.map((s) => s.env));
});

test('flag names follow Python opentelemetry-instrument: OTEL_ dropped, lower-cased', () => {
  assert.equal(snakeFlagName('OTEL_SERVICE_NAME'), 'service_name');
  assert.equal(kebabFlagName('OTEL_SERVICE_NAME'), 'service-name');
  assert.equal(snakeFlagName('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'), 'exporter_otlp_traces_endpoint');
});

for (const setting of SETTINGS) {
  const snake = snakeFlagName(setting.env);
  const kebab = kebabFlagName(setting.env);
  test(`--${snake} and --${kebab} set ${setting.env}`, () => {
    for (const flag of new Set([snake, kebab])) {
      const { result, err } = parse([`--${flag}`, 'some value', 'node', 'app.js']);
      assert.equal(err, '');
      assert.equal(result.kind, 'run');
      assert.deepEqual(result.envOverrides, { [setting.env]: 'some value' });
      assert.deepEqual(result.command, ['node', 'app.js']);
    }
  });
}

test('OTEL_SERVICE_NAME via --service_name=value form', () => {
  const { result } = parse(['--service_name=shop', 'node', 'app.js']);
  assert.deepEqual(result.envOverrides, { OTEL_SERVICE_NAME: 'shop' });
});

test('OTEL_SERVICE_NAME: the last flag wins, whichever spelling', () => {
  assert.deepEqual(parse(['--service_name', 'a', '--service-name', 'b', 'x']).result.envOverrides, { OTEL_SERVICE_NAME: 'b' });
  assert.deepEqual(parse(['--service-name', 'a', '--service_name', 'b', 'x']).result.envOverrides, { OTEL_SERVICE_NAME: 'b' });
});

test('OTEL_SERVICE_NAME flag after the command is passed through to the app untouched', () => {
  const { result } = parse(['--service_name', 'x', 'node', 'app.js', '--port', '3', '--service_name', 'y', '--help', '--', '-v']);
  assert.equal(result.kind, 'run');
  assert.deepEqual(result.envOverrides, { OTEL_SERVICE_NAME: 'x' });
  assert.deepEqual(result.command, ['node', 'app.js', '--port', '3', '--service_name', 'y', '--help', '--', '-v']);
});

test('-- ends our flags', () => {
  const { result } = parse(['--traces_exporter', 'console', '--', '--weird-command', 'arg']);
  assert.deepEqual(result.command, ['--weird-command', 'arg']);
  assert.deepEqual(result.envOverrides, { OTEL_TRACES_EXPORTER: 'console' });
});

test('a missing command is a usage error: one line, exit 2', () => {
  for (const args of [[], ['--service_name', 'x']]) {
    const { result, err } = parse(args);
    assert.deepEqual(result, { kind: 'exit', exitCode: USAGE_EXIT_CODE });
    assert.equal(USAGE_EXIT_CODE, 2);
    assert.match(err, /^otel-instrument: missing command[^\n]*\n$/);
  }
});

test('an unknown flag is a usage error: one line, exit 2', () => {
  const { result, err } = parse(['--service_nam', 'x', 'node', 'app.js']);
  assert.deepEqual(result, { kind: 'exit', exitCode: 2 });
  assert.match(err, /^otel-instrument: unknown option '--service_nam'[^\n]*\n$/);
});

test('a flag without its value is a usage error: one line, exit 2', () => {
  const { result, err } = parse(['--service_name']);
  assert.deepEqual(result, { kind: 'exit', exitCode: 2 });
  assert.equal(err.split('\n').filter(Boolean).length, 1);
});

test('bootstrap is a command of its own: its arguments go to it, not to the flag parser', () => {
  const { result, err } = parse(['bootstrap', './app', '--json', '--strict']);
  assert.deepEqual(result, { kind: 'bootstrap', args: ['./app', '--json', '--strict'] });
  assert.equal(err, '');
});

test('--help lists every flag with its variable and default, exit 0', () => {
  const { result, out } = parse(['--help']);
  assert.deepEqual(result, { kind: 'exit', exitCode: 0 });
  const flat = out.replace(/\s+/g, ' ');
  for (const setting of SETTINGS) {
    assert.ok(flat.includes(`--${snakeFlagName(setting.env)} <value>`), `--help lacks the flag for ${setting.env}`);
    assert.ok(flat.includes(`${setting.env}:`), `--help lacks ${setting.env}`);
    if (setting.default !== undefined) assert.ok(flat.includes(`(default: ${setting.default})`), `--help lacks the default of ${setting.env}`);
  }
  assert.match(flat, /OTEL_SERVICE_NAME/);
});

test('--version prints the package version, exit 0', () => {
  const { version } = require('../../package.json');
  const { result, out } = parse(['--version']);
  assert.deepEqual(result, { kind: 'exit', exitCode: 0 });
  assert.equal(out, `${version}\n`);
});

test('NODE_OPTIONS: the preload is appended after the user options', () => {
  const url = 'file:///opt/my%20app/node_modules/otel-instrument/dist/register.mjs';
  assert.equal(nodeOptionsWithPreload(undefined, url), `--import ${url}`);
  assert.equal(nodeOptionsWithPreload('  ', url), `--import ${url}`);
  assert.equal(nodeOptionsWithPreload('--max-old-space-size=100 --enable-source-maps', url), `--max-old-space-size=100 --enable-source-maps --import ${url}`);
});

test('NODE_OPTIONS: the preload is not added twice', () => {
  const url = 'file:///x/dist/register.mjs';
  const once = nodeOptionsWithPreload('--trace-warnings', url);
  assert.equal(nodeOptionsWithPreload(once, url), once);
  assert.equal(nodeOptionsWithPreload(`--import=${url}`, url), `--import=${url}`);
  assert.equal(nodeOptionsWithPreload('--import otel-instrument/register', url), '--import otel-instrument/register');
  // A different --import is the user's own and stays, with ours added.
  assert.equal(nodeOptionsWithPreload('--import ./tsx.mjs', url), `--import ./tsx.mjs --import ${url}`);
});

test('exit codes: the child code, or 128+n for a signal', () => {
  assert.equal(exitCodeFor(0, null), 0);
  assert.equal(exitCodeFor(7, null), 7);
  assert.equal(exitCodeFor(null, 'SIGKILL'), 137);
  assert.equal(exitCodeFor(null, 'SIGTERM'), 143);
  assert.equal(exitCodeFor(null, 'SIGINT'), 130);
});

test('the common command line is parsed without commander, exactly as commander parses it', () => {
  const { parseCommonCase } = require('../../dist/cli/common-case.js');
  const { parseWithCommander } = require('../../dist/cli/index.js');
  const quiet = { out: () => {}, err: () => {} };
  const samples = [
    ['node', 'app.js'],
    ['--service_name', 'orders', 'node', 'app.js', '--port', '3000'],
    ['--service-name', 'a', '--service_name', 'b', 'node', 'app.js'],
    ['--service_name=orders', '--traces_exporter=console', 'npm', 'start'],
    ['--service_name=', 'node', '-e', '0'],
    ['--resource_attributes', 'a=b,c=d', 'node', '--import', 'x.mjs', 'app.mjs', '--', '-h'],
    ['--service_name', '--help', 'node', 'app.js'],
    ['--service_name', '-v', 'node'],
    ['-', 'x'],
    ['./server', '--service_name', 'not ours'],
    // Not the common case: commander answers, the common parser stands aside.
    ['--help'], ['-h', 'node'], ['--version'], ['-v'], ['--nope', 'x', 'node'], ['-s', 'x', 'node'],
    ['--service_name'], ['--service_name', 'x'], [], ['--', 'node', 'app.js'], ['--'],
    ['bootstrap'], ['--service_name', 'x', 'bootstrap', '--json'], ['--=x', 'node'],
  ];
  let common = 0;
  for (const args of samples) {
    const fast = parseCommonCase(args);
    if (fast === undefined) continue;
    common++;
    assert.deepEqual({ kind: 'run', ...fast }, parseWithCommander(args, quiet), args.join(' '));
  }
  assert.equal(common, 10);
});

test('a common command line does not load commander, nor node:child_process', () => {
  const { execFileSync } = require('node:child_process');
  const program = `
    const { parseArguments } = require(${JSON.stringify(require.resolve('../../dist/cli/index.js'))});
    const parsed = parseArguments(['--service_name', 'orders', 'node', 'app.js']);
    const commander = Object.keys(require.cache).filter((f) => f.includes('/node_modules/commander/'));
    const childProcess = process.moduleLoadList.includes('NativeModule child_process');
    console.log(JSON.stringify({ parsed, commander, childProcess }));`;
  const { parsed, commander, childProcess } = JSON.parse(execFileSync(process.execPath, ['-e', program], { encoding: 'utf8' }));
  assert.deepEqual(parsed, { kind: 'run', command: ['node', 'app.js'], envOverrides: { OTEL_SERVICE_NAME: 'orders' } });
  assert.deepEqual(commander, []);
  // Nor node:child_process (and the ~30 builtins it brings), which only the spawn path needs.
  assert.equal(childProcess, false);
  const help = execFileSync(process.execPath, [require.resolve('../../bin/otel-instrument.js'), '--help'], { encoding: 'utf8' });
  assert.match(help, /--service_name <value>/, 'help still comes from commander');
});
