// Where an undici request goes (src/instrumentations/fetch/request-target.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { readRequestTarget } = require('../../dist/instrumentations/fetch/request-target.js');

test('origin + path: the URL, the address and the explicit port', () => {
  assert.deepEqual(readRequestTarget({ origin: 'http://127.0.0.1:8080', path: '/a/b?c=1', method: 'GET' }), {
    url: 'http://127.0.0.1:8080/a/b?c=1',
    path: '/a/b',
    pathAndQuery: '/a/b?c=1',
    host: '127.0.0.1:8080',
    serverAddress: '127.0.0.1',
    serverPort: 8080,
  });
});

test('no explicit port: the scheme default', () => {
  assert.equal(readRequestTarget({ origin: 'https://example.com', path: '/', method: 'GET' }).serverPort, 443);
  assert.equal(readRequestTarget({ origin: 'http://example.com', path: '/', method: 'GET' }).serverPort, 80);
});

test('IPv6: server.address without brackets, url.full with them', () => {
  const target = readRequestTarget({ origin: 'http://[::1]:3000', path: '/x', method: 'GET' });
  assert.equal(target.serverAddress, '::1');
  assert.equal(target.url, 'http://[::1]:3000/x');
});

test('through an HTTP proxy the absolute path is the target, not the proxy origin', () => {
  const target = readRequestTarget({ origin: 'http://proxy:3128', path: 'http://api.example.com/v1?q=2', method: 'GET' });
  assert.equal(target.url, 'http://api.example.com/v1?q=2');
  assert.equal(target.serverAddress, 'api.example.com');
  assert.equal(target.serverPort, 80);
});

test('CONNECT (a proxy tunnel) names the origin; unreadable origins give undefined', () => {
  assert.equal(readRequestTarget({ origin: 'http://proxy:3128', path: 'api.example.com:443', method: 'CONNECT' }).url, 'http://proxy:3128/');
  assert.equal(readRequestTarget({ origin: undefined, path: '/x', method: 'GET' }), undefined);
  assert.equal(readRequestTarget({ origin: 'not a url', path: '/x', method: 'GET' }), undefined);
});
