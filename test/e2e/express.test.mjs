// express 4 (lowest supported and latest 4.x) and 5 through the real CLI, each installed in its
// own fixture folder: the SERVER span named from the full route template, INTERNAL spans for
// middleware, routers and handlers, errors, and the switch that turns the INTERNAL spans off.
import { test as nodeTest } from 'node:test';
const test = nodeTest;
import assert from 'node:assert/strict';
import { assertEndInsideServer, assertNoChildSpansWhenDropped, assertUnsupportedRunsUntraced, runFrameworkApp, variantVersion } from '../helpers/frameworks.mjs';

const runApp = (variant, requests, env = {}, app = 'express-app.cjs') => runFrameworkApp(variant, app, requests, env);

const VARIANTS = ['express4-lowest', 'express4', 'express5'];

const server = (spans, path) => spans.find((s) => s.kind === 'SERVER' && s.attributes['url.path'] === path);
// The two app-level middlewares every request passes first.
const TOP = ['├─ middleware - countResponses (INTERNAL)', '├─ middleware - jsonParser (INTERNAL)'];

// express 4.6.0 answers every res.send with a 500 on Node.js 24 by itself, untraced: its old
// `fresh` dependency reads res._headers, which Node.js 24 removed. The lowest supported express
// is tested where it runs.
const nodeMajor = Number(process.versions.node.split('.')[0]);
const runsHere = (variant) => variant !== 'express4-lowest' || nodeMajor < 24 || `express ${variantVersion(variant, 'express')} itself fails on Node.js ${process.version} (res._headers is gone); tested on Node.js 20 and 22`;

for (const variant of VARIANTS) {
  const major = Number(variantVersion(variant, 'express').split('.')[0]);
  const skip = runsHere(variant) === true ? false : runsHere(variant);
  const test = (name, fn) => nodeTest(name, { skip }, fn);
  // express 4 also runs its own `query` and `expressInit` middleware first.
  const builtins = major === 4 ? ['├─ middleware - query (INTERNAL)', '├─ middleware - expressInit (INTERNAL)'] : [];
  const lines = (...rest) => [...builtins, ...TOP, ...rest].join('\n');

  test(`${variant} (${variantVersion(variant, 'express')}): routes through nested routers, app.route, arrays, RegExp, wildcards, 404`, async () => {
    const { trees, spans, responses } = await runApp(variant, [
      ['GET', '/api/v1/orders/42'],
      ['GET', '/books/7'],
      ['PUT', '/books/8'],
      ['GET', '/b/3'],
      ['GET', '/files/x/y.txt'],
      ['GET', '/static/css/site.css'],
      ['GET', '/nope/123'],
    ]);
    assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 200, 200, 200, 404]);
    assertEndInsideServer(spans);

    // GET /api/v1/orders/:orderId (SERVER)
    // ├─ middleware - … (INTERNAL)
    // └─ router - /api (INTERNAL)
    //    └─ router - /api/v1 (INTERNAL)
    //       └─ request handler - /api/v1/orders/:orderId (INTERNAL)
    assert.equal(
      trees['GET /api/v1/orders/42'],
      `GET /api/v1/orders/:orderId (SERVER)\n${lines('└─ router - /api (INTERNAL)', '   └─ router - /api/v1 (INTERNAL)', '      └─ request handler - /api/v1/orders/:orderId (INTERNAL)')}`,
    );
    const order = server(spans, '/api/v1/orders/42');
    assert.equal(order.attributes['http.route'], '/api/v1/orders/:orderId');
    const handler = spans.find((s) => s.name === 'request handler - /api/v1/orders/:orderId');
    assert.deepEqual(
      { type: handler.attributes['express.type'], name: handler.attributes['express.name'], route: handler.attributes['http.route'] },
      { type: 'request_handler', name: '/api/v1/orders/:orderId', route: '/api/v1/orders/:orderId' },
    );
    const router = spans.find((s) => s.name === 'router - /api/v1');
    assert.deepEqual([router.attributes['express.type'], router.attributes['express.name']], ['router', '/api/v1']);
    const jsonParser = spans.find((s) => s.name === 'middleware - jsonParser' && s.traceId === order.traceId);
    assert.deepEqual([jsonParser.attributes['express.type'], jsonParser.attributes['express.name']], ['middleware', 'jsonParser']);

    assert.equal(trees['GET /books/7'], `GET /books/:id (SERVER)\n${lines('└─ request handler - /books/:id (INTERNAL)')}`);
    assert.equal(trees['PUT /books/8'], `PUT /books/:id (SERVER)\n${lines('└─ request handler - /books/:id (INTERNAL)')}`);
    // The alternative of the array that matched.
    assert.equal(server(spans, '/b/3').attributes['http.route'], '/b/:y');
    assert.equal(server(spans, '/files/x/y.txt').attributes['http.route'], '^\\/files\\/.*$');
    assert.equal(server(spans, '/static/css/site.css').attributes['http.route'], major >= 5 ? '/static/*splat' : '/static/*');
    // No route matched: `{method}`, no http.route, never `/` or the raw path.
    const missing = server(spans, '/nope/123');
    assert.equal(missing.name, 'GET');
    assert.equal('http.route' in missing.attributes, false);
    assert.equal(missing.status.code, 'UNSET');
  });

  test(`${variant}: errors are recorded where they happen; the app's error handler decides the response`, async () => {
    const { trees, spans, responses } = await runApp(variant, [
      ['GET', '/sync-error'],
      ['GET', '/next-error'],
      ['GET', '/async-error'],
      ['GET', '/teapot'],
    ]);
    assert.deepEqual(responses.map((r) => [r.status, r.body]), [[500, 'sync boom'], [500, 'next boom'], [500, 'async boom'], [418, 'short and stout']]);
    for (const [path, message] of [['/sync-error', 'sync boom'], ['/next-error', 'next boom'], ['/async-error', 'async boom']]) {
      // GET /sync-error (SERVER, ERROR: 500)
      // ├─ middleware - … (INTERNAL)
      // ├─ request handler - /sync-error (INTERNAL, ERROR, exception)
      // └─ middleware - errorHandler (INTERNAL)
      assert.equal(trees[`GET ${path}`], `GET ${path} (SERVER)\n${lines(`├─ request handler - ${path} (INTERNAL)`, '└─ middleware - errorHandler (INTERNAL)')}`);
      const root = server(spans, path);
      assert.equal(root.status.code, 'ERROR');
      assert.equal(root.attributes['error.type'], '500');
      const failed = spans.find((s) => s.name === `request handler - ${path}`);
      assert.equal(failed.status.code, 'ERROR');
      assert.equal(failed.status.message, message);
      assert.equal(failed.attributes['error.type'], 'Error');
      const exception = failed.events.find((e) => e.name === 'exception');
      assert.equal(exception?.attributes['exception.message'], message);
      assert.equal(spans.find((s) => s.name === 'middleware - errorHandler' && s.traceId === root.traceId).status.code, 'UNSET');
    }
    // The error handler answered 418: a client error, so the SERVER span is not ERROR.
    const teapot = server(spans, '/teapot');
    assert.equal(teapot.name, 'GET /teapot');
    assert.equal(teapot.status.code, 'UNSET');
    assert.equal(teapot.attributes['http.response.status_code'], 418);
  });

  test(`${variant}: a manual span in a handler nests under the request handler span`, async () => {
    const { trees } = await runApp(variant, [['GET', '/manual']]);
    // GET /manual (SERVER)
    // └─ request handler - /manual (INTERNAL)
    //    └─ app-work (INTERNAL)
    assert.equal(trees['GET /manual'], `GET /manual (SERVER)\n${lines('└─ request handler - /manual (INTERNAL)', '   └─ app-work (INTERNAL)')}`);
  });

  test(`${variant}: a request its caller did not sample starts no middleware or handler span`, async () => {
    await assertNoChildSpansWhenDropped((requests, env) => runApp(variant, requests, env), 'middleware');
  });

  test(`${variant}: OTEL_INSTRUMENTATION_EXPRESS_INTERNAL_SPANS=false keeps only the route naming`, async () => {
    const { trees, spans } = await runApp(variant, [['GET', '/api/v1/orders/1'], ['GET', '/manual']], { OTEL_INSTRUMENTATION_EXPRESS_INTERNAL_SPANS: 'false' });
    assert.equal(trees['GET /api/v1/orders/1'], 'GET /api/v1/orders/:orderId (SERVER)');
    assert.equal(server(spans, '/api/v1/orders/1').attributes['http.route'], '/api/v1/orders/:orderId');
    assert.equal(trees['GET /manual'], 'GET /manual (SERVER)\n└─ app-work (INTERNAL)');
  });
}

for (const variant of ['express4', 'express5']) {
  test(`${variant}: an ES module app (import express, { Router }) gets the same route naming and spans`, async () => {
    const { trees } = await runApp(variant, [['GET', '/users/9']], {}, 'express-app.mjs');
    const major = Number(variantVersion(variant, 'express').split('.')[0]);
    const builtins = major === 4 ? '├─ middleware - query (INTERNAL)\n├─ middleware - expressInit (INTERNAL)\n' : '';
    // GET /users/:id (SERVER)
    // └─ router - /users (INTERNAL)
    //    └─ request handler - /users/:id (INTERNAL)
    assert.equal(trees['GET /users/9'], `GET /users/:id (SERVER)\n${builtins}└─ router - /users (INTERNAL)\n   └─ request handler - /users/:id (INTERNAL)`);
  });
}

test('express with the http instrumentation off: no SERVER span to name, so no framework spans either', async () => {
  const { spans, responses } = await runApp('express5', [['GET', '/api/v1/orders/1']], { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http', EXPECT_NO_SPANS: '1' });
  assert.equal(responses[0].status, 200);
  assert.deepEqual(spans, []);
});

test('express 3: runs uninstrumented for express, with one warning line', async () => {
  await assertUnsupportedRunsUntraced('express3', 'express3-app.cjs', /warn OTELI_W_UNSUPPORTED_VERSION: express: express version 3\.21\.2 is outside the supported range ">=4\.6\.0 <6"; not instrumented/);
});
