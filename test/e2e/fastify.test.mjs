// fastify 4 (lowest supported and latest 4.x) and 5 through the real CLI, each installed in its
// own fixture folder: the SERVER span named from the route with every plugin prefix, INTERNAL
// spans for the handler and each request hook, errors, every factory and import style, a
// @fastify/* plugin, and the switch that turns the INTERNAL spans off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertEndInsideServer, assertNoChildSpansWhenDropped, assertUnsupportedRunsUntraced, runFrameworkApp, variantVersion } from '../helpers/frameworks.mjs';

const VARIANTS = ['fastify4-lowest', 'fastify4', 'fastify5'];
const server = (spans, path) => spans.find((s) => s.kind === 'SERVER' && s.attributes['url.path'] === path);
// The app-level hooks every routed request passes (authenticate: async; loadUser: callback).
const HOOKS = ['├─ hook - onRequest - authenticate (INTERNAL)'];

for (const variant of VARIANTS) {
  const version = variantVersion(variant, 'fastify');
  const run = (requests, env) => runFrameworkApp(variant, 'fastify-app.cjs', requests, env);

  test(`${variant} (${version}): plugin prefixes, nested; hooks and handler spans; 404 has no route`, async () => {
    const { trees, spans, responses } = await run([
      ['GET', '/v2/items/7'],
      ['GET', '/v2/admin/stats'],
      ['GET', '/nope/1'],
    ]);
    assert.deepEqual(responses.map((r) => r.status), [200, 200, 404]);
    assertEndInsideServer(spans);
    assert.equal(JSON.parse(responses[0].body).user, 'u1', 'the app-level async hook ran');
    // GET /v2/items/:id (SERVER)
    // ├─ hook - onRequest - authenticate (INTERNAL)    app level, async
    // ├─ hook - onRequest - checkItem (INTERNAL)       route level, callback
    // ├─ hook - preHandler - loadUser (INTERNAL)       app level, callback
    // └─ handler - /v2/items/:id (INTERNAL)
    assert.equal(
      trees['GET /v2/items/7'],
      ['GET /v2/items/:id (SERVER)', ...HOOKS, '├─ hook - onRequest - checkItem (INTERNAL)', '├─ hook - preHandler - loadUser (INTERNAL)', '└─ handler - /v2/items/:id (INTERNAL)'].join('\n'),
    );
    const item = server(spans, '/v2/items/7');
    assert.equal(item.attributes['http.route'], '/v2/items/:id');
    const hook = spans.find((s) => s.name === 'hook - onRequest - authenticate' && s.traceId === item.traceId);
    assert.deepEqual(
      [hook.attributes['fastify.type'], hook.attributes['hook.name'], hook.attributes['hook.callback.name']],
      ['hook', 'onRequest', 'authenticate'],
    );
    const handler = spans.find((s) => s.name === 'handler - /v2/items/:id');
    assert.deepEqual([handler.attributes['fastify.type'], handler.attributes['http.route']], ['request_handler', '/v2/items/:id']);
    assert.equal(server(spans, '/v2/admin/stats').name, 'GET /v2/admin/stats');
    // The 404 handler: no route, no handler span.
    const missing = server(spans, '/nope/1');
    assert.equal(missing.name, 'GET');
    assert.equal('http.route' in missing.attributes, false);
    assert.equal(trees['GET /nope/1'], ['GET (SERVER)', ...HOOKS, '└─ hook - preHandler - loadUser (INTERNAL)'].join('\n'));
  });

  test(`${variant}: errors from handlers and hooks are recorded; setErrorHandler decides the response`, async () => {
    const { trees, spans, responses } = await run([
      ['GET', '/boom'],
      ['GET', '/hook-error'],
      ['GET', '/custom/fail'],
    ]);
    assert.deepEqual(responses.map((r) => r.status), [500, 500, 409]);
    // GET /boom (SERVER, ERROR: 500)
    // ├─ hook - … (INTERNAL)
    // └─ handler - /boom (INTERNAL, ERROR, exception)
    assert.equal(trees['GET /boom'], ['GET /boom (SERVER)', ...HOOKS, '├─ hook - preHandler - loadUser (INTERNAL)', '└─ handler - /boom (INTERNAL)'].join('\n'));
    const boom = spans.find((s) => s.name === 'handler - /boom');
    assert.equal(boom.status.code, 'ERROR');
    assert.equal(boom.status.message, 'handler boom');
    assert.equal(boom.events.find((e) => e.name === 'exception')?.attributes['exception.message'], 'handler boom');
    assert.equal(server(spans, '/boom').status.code, 'ERROR');
    // A callback hook's done(err): recorded on the hook's span; the handler never runs.
    assert.equal(trees['GET /hook-error'], ['GET /hook-error (SERVER)', ...HOOKS, '└─ hook - preHandler - loadUser (INTERNAL)'].join('\n'));
    const hookError = spans.find((s) => s.name === 'hook - preHandler - loadUser' && s.traceId === server(spans, '/hook-error').traceId);
    assert.equal(hookError.status.code, 'ERROR');
    assert.equal(hookError.status.message, 'hook boom');
    // setErrorHandler answered 409: the handler's span has the error, the SERVER span does not.
    const custom = server(spans, '/custom/fail');
    assert.equal(custom.name, 'GET /custom/fail');
    assert.equal(custom.status.code, 'UNSET');
    assert.equal(spans.find((s) => s.name === 'handler - /custom/fail').status.code, 'ERROR');
  });

  test(`${variant}: a manual span in a handler nests under the handler span`, async () => {
    const { trees } = await run([['GET', '/manual']]);
    assert.equal(trees['GET /manual'], ['GET /manual (SERVER)', ...HOOKS, '├─ hook - preHandler - loadUser (INTERNAL)', '└─ handler - /manual (INTERNAL)', '   └─ app-work (INTERNAL)'].join('\n'));
  });

  for (const factory of ['default', 'named']) {
    test(`${variant}: require('fastify').${factory === 'named' ? 'fastify' : 'default'}() is traced the same`, async () => {
      const { trees } = await run([['GET', '/v2/admin/stats']], { FACTORY: factory });
      assert.match(trees['GET /v2/admin/stats'], /^GET \/v2\/admin\/stats \(SERVER\)\n├─ hook - onRequest - authenticate \(INTERNAL\)/);
    });
  }

  test(`${variant}: a request its caller did not sample starts no hook or handler span`, async () => {
    await assertNoChildSpansWhenDropped(run, 'hook');
  });

  test(`${variant}: OTEL_INSTRUMENTATION_FASTIFY_INTERNAL_SPANS=false keeps only the route naming`, async () => {
    const { trees, spans } = await run([['GET', '/v2/items/3'], ['GET', '/manual']], { OTEL_INSTRUMENTATION_FASTIFY_INTERNAL_SPANS: 'false' });
    assert.equal(trees['GET /v2/items/3'], 'GET /v2/items/:id (SERVER)');
    assert.equal(server(spans, '/v2/items/3').attributes['http.route'], '/v2/items/:id');
    assert.equal(trees['GET /manual'], 'GET /manual (SERVER)\n└─ app-work (INTERNAL)');
  });
}

for (const variant of ['fastify4', 'fastify5']) {
  for (const style of ['default', 'named']) {
    test(`${variant}: an ES module app (import ${style === 'named' ? '{ fastify }' : 'Fastify'} from 'fastify') with @fastify/cors`, async () => {
      const { trees, responses } = await runFrameworkApp(variant, 'fastify-app.mjs', [['GET', '/users/4']], { IMPORT: style, CORS: '1' });
      assert.equal(responses[0].status, 200);
      // GET /users/:id (SERVER)
      // ├─ hook - onRequest - <@fastify/cors's hook> (INTERNAL)
      // └─ handler - /users/:id (INTERNAL)
      const lines = trees['GET /users/4'].split('\n');
      assert.equal(lines[0], 'GET /users/:id (SERVER)');
      assert.match(lines[1], /^├─ hook - onRequest - \S+ \(INTERNAL\)$/, 'the plugin\'s onRequest hook has a span');
      assert.equal(lines.at(-1), '└─ handler - /users/:id (INTERNAL)');
    });
  }
}

test('fastify 3: runs uninstrumented for fastify, with one warning line', async () => {
  await assertUnsupportedRunsUntraced('fastify3', 'fastify3-app.cjs', /warn OTELI_W_UNSUPPORTED_VERSION: fastify: fastify version 3\.29\.5 is outside the supported range ">=4 <6"; not instrumented/);
});
