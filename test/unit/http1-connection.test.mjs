// The exporter's own HTTP/1.1 client for plain http: endpoints (src/exporters/http1-connection.ts),
// through sendOnce, against a real socket server that answers bytes written by hand: what
// node:http's client would have made of each answer, with the error codes it would have given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { once } from 'node:events';

const require = createRequire(import.meta.url);
const { sendOnce, MAX_RESPONSE_BODY_BYTES } = require('../../dist/exporters/http-transport.js');
const { Http1Pool, requestHead } = require('../../dist/exporters/http1-connection.js');

/**
 * A server that reads each request whole (by its content-length) and answers with the next of
 * `answers`: a string or Buffer written in pieces (an array), or a function given the socket.
 */
async function rawServer(t, answers) {
  const requests = [];
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = pending.toString('latin1', 0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        requests.push({ head, body: pending.subarray(end + 4, end + 4 + length), socket });
        pending = pending.subarray(end + 4 + length);
        const answer = answers.shift();
        if (typeof answer === 'function') answer(socket);
        else for (const piece of [answer].flat()) socket.write(piece);
      }
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const url = new URL(`http://127.0.0.1:${server.address().port}/v1/traces?x=1`);
  const headers = { 'content-type': 'application/x-protobuf', 'x-tenant': 'a b' };
  const pool = Http1Pool.create(url, headers);
  t.after(() => pool.destroy());
  const target = { url, headers, pool };
  return { target, requests, send: (body = Buffer.from('spans'), timeoutMs = 2000) => sendOnce(target, body, timeoutMs) };
}

test('a POST as node:http writes it, and an answer by content-length, kept alive for the next', async (t) => {
  const { send, requests } = await rawServer(t, [
    'HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 2\r\n\r\nok',
    'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\nRetry-After: 4\r\ncontent-length: 0\r\n\r\n',
  ]);
  const first = await send(Buffer.from([1, 2, 3]));
  assert.deepEqual({ ...first, body: first.body.toString() }, { kind: 'response', statusCode: 200, headers: { 'content-type': 'application/x-protobuf', 'content-length': '2' }, body: 'ok' });
  const second = await send();
  assert.deepEqual([second.statusCode, second.headers['retry-after']], [503, '3, 4']);
  assert.equal(requests[0].socket, requests[1].socket, 'the second request went out on the kept-alive socket');
  assert.deepEqual(requests[0].body, Buffer.from([1, 2, 3]));
  assert.match(requests[0].head, /^POST \/v1\/traces\?x=1 HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\nconnection: keep-alive\r\ncontent-type: application\/x-protobuf\r\nx-tenant: a b\r\ncontent-length: 3$/);
});

test('chunked answers in pieces, 1xx answers before the real one, and a body up to the close', async (t) => {
  const { send } = await rawServer(t, [
    ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;ext=1\r\nab', 'c\r\n', '2\r\nde\r\n0\r\n', 'trailer: x\r\n\r\n'],
    (socket) => socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\n\r\nbad span'),
  ]);
  const chunked = await send();
  assert.deepEqual([chunked.statusCode, chunked.body.toString()], [200, 'abcde']);
  const closeDelimited = await send();
  assert.deepEqual([closeDelimited.statusCode, closeDelimited.body.toString()], [400, 'bad span']);
});

test('a body past the cap is cut at MAX_RESPONSE_BODY_BYTES; 204 has none', async (t) => {
  const big = Buffer.alloc(MAX_RESPONSE_BODY_BYTES + 1000, 0x61);
  const { send } = await rawServer(t, [
    [`HTTP/1.1 200 OK\r\ncontent-length: ${big.length}\r\n\r\n`, big],
    'HTTP/1.1 204 No Content\r\n\r\n',
  ]);
  const cut = await send();
  assert.equal(cut.body.length, MAX_RESPONSE_BODY_BYTES);
  const empty = await send();
  assert.deepEqual([empty.statusCode, empty.body.length], [204, 0]);
});

test("node:http's error codes: not HTTP, cut short, closed unanswered, timed out, refused", async (t) => {
  const { send } = await rawServer(t, [
    'SSH-2.0-OpenSSH\r\n',
    (socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc'),
    (socket) => socket.destroy(),
    () => {},
  ]);
  const codes = [];
  for (let i = 0; i < 4; i++) {
    const outcome = await send(Buffer.from('x'), 300);
    codes.push([outcome.kind, outcome.error.code, outcome.error.message, outcome.staleSocket === true]);
  }
  assert.deepEqual(codes, [
    ['error', 'HPE_INVALID_CONSTANT', 'Parse Error: Expected HTTP/', false],
    ['error', 'ECONNRESET', 'answer cut short', false],
    ['error', 'ECONNRESET', 'socket hang up', false],
    ['error', 'ETIMEDOUT', 'no complete answer within 300 ms', false],
  ]);
  const closed = createServer().listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = closed.address().port;
  closed.close();
  const url = new URL(`http://127.0.0.1:${port}/v1/traces`);
  const refused = await sendOnce({ url, headers: {}, pool: Http1Pool.create(url, {}) }, Buffer.from('x'), 1000);
  assert.equal(refused.error.code, 'ECONNREFUSED');
});

test('a kept-alive socket the collector closed while idle is reported stale, for an immediate retry', async (t) => {
  const { send } = await rawServer(t, [
    'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n',
    // The collector drops the socket just as the next request arrives on it.
    (socket) => socket.destroy(),
  ]);
  assert.equal((await send()).statusCode, 200);
  const outcome = await send();
  assert.deepEqual([outcome.kind, outcome.error.code, outcome.staleSocket], ['error', 'ECONNRESET', true]);
});

test('a header that cannot be written as it is goes to node:http, which refuses it as before', () => {
  const url = new URL('http://127.0.0.1:1/v1/traces');
  assert.equal(requestHead(url, { 'x-bad': 'a\r\nInjected: 1' }), undefined);
  assert.equal(requestHead(url, { 'bad name': 'a' }), undefined);
  assert.equal(Http1Pool.create(url, { 'x-bad': 'a\r\nInjected: 1' }), undefined, 'no pool: the transport sends through node:http');
  assert.match(requestHead(url, { 'x-ok': 'é and tabs\tok' }), /x-ok: é and tabs\tok\r\n$/);
});
