// The seam between http and the frameworks (src/instrumentations/http-shared/web-record.ts): a
// route set on the request's web record, here through the contrib packages' RPCMetadata hand-off,
// names the SERVER span `{method} {route}` and sets http.route when the response ends. Without a
// route the name stays `{method}`, never the raw path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { send, serverSpan, startServerFixture } from '../fixtures/http/harness.mjs';

test('a route set through getRPCMetadata names the SERVER span and sets http.route; no route, no http.route', async () => {
  const app = await startServerFixture('route-seam.cjs', { env: { REQUESTS: '4' }, expectSpans: 4 });
  assert.equal((await send(app.port, '/users/42?tab=1')).status, 200);
  assert.equal((await send(app.port, '/boom/7')).status, 500);
  assert.equal((await send(app.port, '/plain/9')).status, 200);
  assert.equal((await send(app.port, '/users/1', { method: 'PURGE' })).status, 200);
  const spans = await app.finish();

  // GET /users/:id (SERVER)
  const user = serverSpan(spans, '/users/42');
  assert.equal(user.name, 'GET /users/:id');
  assert.equal(user.attributes['http.route'], '/users/:id');
  assert.equal(user.attributes['url.query'], 'tab=1');
  assert.equal(user.status.code, 'UNSET');
  // GET /boom/:n (SERVER, ERROR: 500)
  const boom = serverSpan(spans, '/boom/7');
  assert.equal(boom.name, 'GET /boom/:n');
  assert.equal(boom.attributes['http.route'], '/boom/:n');
  assert.equal(boom.status.code, 'ERROR');
  // GET (SERVER): no route, no http.route, no raw path in the name
  const plain = serverSpan(spans, '/plain/9');
  assert.equal(plain.name, 'GET');
  assert.equal('http.route' in plain.attributes, false);
  // An unknown method: `HTTP {route}`
  const purge = serverSpan(spans, '/users/1');
  assert.equal(purge.name, 'HTTP /users/:id');
  assert.equal(purge.attributes['http.request.method'], '_OTHER');
});
