// Installed apart, the way `npx otel-instrument` and `npm i -g` install it: the tarball from
// `npm pack` (of the built repo) installed into a prefix of its own, running an app that lives in
// another directory with its own node_modules and its own @opentelemetry/api.
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpGet } from '../helpers/http-get.mjs';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { spawnProcess, receiverEnv, ROOT } from '../helpers/run-cli.mjs';
import { drawTree } from '../helpers/trace-tree.mjs';
import { API_PACKAGES, makeTempApp, versionOf } from '../fixtures/api-versions/temp-app.mjs';
import { npm, npmEnv } from '../fixtures/packaged/npm.mjs';


test('the packed agent, installed into its own prefix, traces an app in another directory', { timeout: 180000 }, async (t) => {
  assert.ok(existsSync(join(ROOT, 'dist', 'register.mjs')), 'build first: npx tsc -p tsconfig.json');
  const work = realpathSync(mkdtempSync(join(tmpdir(), 'oteli-pack-')));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const env = npmEnv(work);

  // A start of the preload, which writes its code cache into dist/ as every start here does.
  const started = spawnSync(process.execPath, ['--require', join(ROOT, 'dist', 'register.js'), '-e', '0'], { env: { ...process.env, OTEL_TRACES_EXPORTER: 'console' } });
  assert.equal(started.status, 0, String(started.stderr));
  // npm pack: the built JavaScript and nothing else (no build step on the user's machine).
  const packed = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, env });
  assert.equal(packed.code, 0, packed.stderr);
  const [info] = JSON.parse(packed.stdout);
  const paths = info.files.map((f) => f.path);
  t.diagnostic(`tarball ${info.filename}: ${info.size} bytes packed, ${info.unpackedSize} unpacked, ${info.entryCount} files`);
  assert.deepEqual(paths.filter((p) => !/^(bin\/|dist\/|package\.json$|README\.md$|LICENSE$)/.test(p)), []);
  for (const needed of ['bin/otel-instrument.js', 'dist/cli/index.js', 'dist/register.js', 'dist/register.mjs', 'dist/hooks/esm-loader.mjs']) {
    assert.ok(paths.includes(needed), `${needed} is in the tarball`);
  }
  assert.equal(paths.some((p) => p.endsWith('.ts') && !p.endsWith('.d.ts')), false, 'no TypeScript sources');
  // The preload's code caches are this machine's (its Node.js, its flags; the start above wrote
  // one): a user's first start writes its own.
  assert.ok(existsSync(join(ROOT, 'dist', 'agent', '.cache')), 'a start of the bundle wrote its cache');
  assert.deepEqual(paths.filter((p) => p.includes('/.cache/')), [], 'no code cache in the tarball');
  // Every file package.json points at (bin, exports, main) ships.
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const pointedAt = [];
  const collect = (v) => (typeof v === 'string' ? pointedAt.push(v.replace(/^\.\//, '')) : v && typeof v === 'object' && Object.values(v).forEach(collect));
  [manifest.bin, manifest.exports, manifest.main].forEach(collect);
  assert.deepEqual(pointedAt.filter((p) => !paths.includes(p)), [], 'package.json points only at shipped files');

  // npm install --prefix <dir> <tarball>: the agent's own tree, runtime dependencies only.
  const prefix = join(work, 'agent');
  const installed = await npm(
    ['install', '--prefix', prefix, '--prefer-offline', '--omit=dev', join(work, info.filename)],
    { cwd: work, env },
  );
  assert.equal(installed.code, 0, installed.stderr);
  // Nothing for the user to approve or worry about (npm 11 lists packages with install scripts,
  // a `prepare` of ours included, and engine mismatches).
  assert.doesNotMatch(installed.stderr, /npm warn/, installed.stderr);
  const bin = join(prefix, 'node_modules', '.bin', 'otel-instrument');
  assert.ok(existsSync(bin), 'the bin is linked');
  const agentApi = versionOf(join(prefix, 'node_modules', '@opentelemetry', 'api'));
  t.diagnostic(`the installed agent's @opentelemetry/api is ${agentApi}`);
  assert.equal(existsSync(join(prefix, 'node_modules', 'typescript')), false, 'no dev dependency installed');

  // The app: another directory, its own node_modules with its own @opentelemetry/api: the
  // repo's copy, then one newer than any real release (faked), which the agent must register
  // through again.
  for (const fakeVersion of [undefined, '1.99.0']) {
    const app = makeTempApp({ apiSource: API_PACKAGES.ours, fakeVersion });
    t.after(app.cleanup);
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const child = spawnProcess(bin, ['node', 'server.cjs'], { cwd: app.dir, env: receiverEnv(receiver) });
    const [, port] = await child.waitForOutput(/listening (\d+)/);
    const response = await httpGet(Number(port), '/work');
    const run = await child.result;
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /OTELI_[WE]_/);
    const seen = JSON.parse(response.body);
    assert.ok(seen.apiPath.startsWith(app.dir), `the app used its own API copy: ${seen.apiPath}`);

    const spans = await receiver.waitForSpans(3);
    // GET (SERVER)                 the installed agent's
    // └─ app-work (INTERNAL)       the app's, through its own API copy
    //    └─ some-lib-op (INTERNAL)
    assert.equal(drawTree(spans), 'GET (SERVER)\n└─ app-work (INTERNAL)\n   └─ some-lib-op (INTERNAL)');
    const server = spans.find((s) => s.kind === 'SERVER');
    const appWork = spans.find((s) => s.name === 'app-work');
    assert.equal(appWork.parentSpanId, server.spanId);
    assert.equal(seen.active.spanId, server.spanId);
    assert.equal(seen.traceparent, `00-${server.traceId}-${appWork.spanId}-01`);
    assert.equal(server.resource.attributes['telemetry.sdk.name'], 'otel-instrument');
  }
});
