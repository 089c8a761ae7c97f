// The version-matrix fixtures (test/fixtures/frameworks/<variant>/, installed by
// scripts/install-fixtures.mjs): an app file from test/fixtures/frameworks/apps/ is copied into
// the variant's folder, so that Node resolves the library from that variant's node_modules under
// its real name, as in a user's app.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { send } from '../fixtures/http/harness.mjs';
import { startReceiver } from './otlp-receiver.mjs';
import { FIXTURES, receiverEnv, spawnCli } from './run-cli.mjs';
import { drawTree } from './trace-tree.mjs';

export const FRAMEWORKS = join(FIXTURES, 'frameworks');
export const PG_VERSIONS = join(FIXTURES, 'pg-versions');

/** The installed version of `library` in a variant, or a test failure naming the install step. */
export function variantVersion(variant, library, set = FRAMEWORKS) {
  const manifest = join(set, variant, 'node_modules', library, 'package.json');
  if (!existsSync(manifest)) throw new Error(`${variant}: ${library} is not installed; run node scripts/install-fixtures.mjs`);
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

/** Path of `app` (a file in <set>/apps/) copied into the variant's folder. */
export function appIn(variant, app, set = FRAMEWORKS) {
  const dir = join(set, variant, '.apps');
  mkdirSync(dir, { recursive: true });
  const target = join(dir, app);
  copyFileSync(join(set, 'apps', app), target);
  return target;
}

/** Runs the app, sends `requests` ([method, path, headers?]) one after another; resolves with { trees, spans, responses, stderr }. */
export async function runFrameworkApp(variant, app, requests, env = {}) {
  const receiver = await startReceiver();
  try {
    const child = spawnCli(['node', appIn(variant, app)], { env: receiverEnv(receiver, { REQUESTS: String(requests.length), ...env }) });
    const [, port] = await child.waitForOutput(/listening (\d+)/);
    const responses = [];
    for (const [method, path, headers] of requests) responses.push(await send(Number(port), path, { method, headers }));
    const run = await child.result;
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /OTELI_[WE]_/, run.stderr);
    // The app flushed before it exited: with EXPECT_NO_SPANS nothing more is coming.
    const servers = env.EXPECT_NO_SPANS ? receiver.spans : await receiver.waitForSpans((spans) => spans.filter((s) => s.kind === 'SERVER').length >= requests.length);
    const spans = receiver.spans;
    // One tree per request, found by the SERVER span's url.path (and method).
    const trees = {};
    for (const server of servers.filter((s) => s.kind === 'SERVER')) {
      const key = `${server.attributes['http.request.method']} ${server.attributes['url.path']}`;
      trees[key] = drawTree(spans.filter((s) => s.traceId === server.traceId));
    }
    return { trees, spans, responses, stderr: run.stderr };
  } finally {
    await receiver.close();
  }
}

/**
 * Every framework span ends inside its request's SERVER span: the spans still open when the
 * response ends (a handler that answered, a layer that never called next()) are ended by http
 * before the SERVER span, not by a listener that runs after it.
 */
export function assertEndInsideServer(spans) {
  const servers = new Map(spans.filter((s) => s.kind === 'SERVER').map((s) => [s.spanId, s]));
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const rootOf = (span) => {
    let node = span;
    while (node !== undefined && !servers.has(node.spanId)) node = byId.get(node.parentSpanId);
    return node;
  };
  let checked = 0;
  for (const span of spans.filter((s) => s.kind === 'INTERNAL')) {
    const server = rootOf(span);
    if (server === undefined) continue;
    checked++;
    assert.ok(span.endTimeUnixNano <= server.endTimeUnixNano, `${span.name} ends ${span.endTimeUnixNano - server.endTimeUnixNano} ns after its SERVER span ${server.name}`);
  }
  assert.ok(checked > 0, 'no INTERNAL span under a SERVER span');
}

/**
 * A library version outside the supported range: the app answers `/users/5` with `user 5` as
 * without us, one warning line matching `warning`, and http still gives a SERVER span, named
 * without a route.
 */
export async function assertUnsupportedRunsUntraced(variant, app, warning) {
  const receiver = await startReceiver();
  try {
    const child = spawnCli(['node', appIn(variant, app)], { env: receiverEnv(receiver) });
    const [, port] = await child.waitForOutput(/listening (\d+)/);
    const response = await send(Number(port), '/users/5');
    assert.equal(response.body, 'user 5');
    const run = await child.result;
    assert.equal(run.code, 0, run.stderr);
    const warnings = run.stderr.split('\n').filter((l) => /OTELI_[WE]_/.test(l));
    assert.equal(warnings.length, 1, run.stderr);
    assert.match(warnings[0], warning);
    const [span] = await receiver.waitForSpans(1);
    assert.equal(span.name, 'GET');
    assert.equal('http.route' in span.attributes, false);
  } finally {
    await receiver.close();
  }
}

const SAMPLED_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const DROPPED_TRACE = '5bf92f3577b34da6a3ce929d0e0e4737';
const PARENT = '00f067aa0ba902b7';

/**
 * GET /ids twice, under the default parent-based sampler: a request whose caller sampled it and
 * one whose caller did not (traceparent flags 01 and 00). The app answers the active span context
 * that an app-level hook or middleware saw (`before`) and that the handler saw; for the sampled
 * one they are its two INTERNAL spans, and for the dropped one both are the SERVER span's: no
 * INTERNAL span is started under a dropped one (sdk/samplers.ts childSpansAreDropped), and the
 * request still carries the caller's trace id and decision.
 */
export async function assertNoChildSpansWhenDropped(run, beforeKey) {
  const { spans, responses } = await run(
    [
      ['GET', '/ids', { traceparent: `00-${SAMPLED_TRACE}-${PARENT}-01` }],
      ['GET', '/ids', { traceparent: `00-${DROPPED_TRACE}-${PARENT}-00` }],
    ],
    { EXPECT_NO_SPANS: '1' },
  );
  assert.deepEqual(responses.map((r) => r.status), [200, 200]);
  const [sampled, dropped] = responses.map((r) => JSON.parse(r.body));
  const exported = (spanId) => spans.find((s) => s.spanId === spanId);
  // Sampled: the hook (or middleware) and the handler each ran in a span of their own, exported.
  assert.notEqual(sampled[beforeKey].spanId, sampled.handler.spanId);
  for (const seen of [sampled[beforeKey], sampled.handler]) {
    assert.deepEqual([seen.traceId, seen.traceFlags], [SAMPLED_TRACE, 1]);
    assert.equal(exported(seen.spanId)?.kind, 'INTERNAL');
  }
  // Dropped: one span context throughout, the SERVER span's (a new id, not the caller's), unsampled.
  assert.deepEqual(dropped[beforeKey], dropped.handler);
  assert.deepEqual([dropped.handler.traceId, dropped.handler.traceFlags], [DROPPED_TRACE, 0]);
  assert.notEqual(dropped.handler.spanId, PARENT);
  assert.deepEqual(spans.filter((s) => s.traceId === DROPPED_TRACE), []);
}
