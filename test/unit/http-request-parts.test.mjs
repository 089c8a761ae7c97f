// The http instrumentation's own pure parts: reading http.request arguments, adding propagation
// headers without touching the app's objects, and the incoming-request attributes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { readRequestTarget, argsWithHeaders } = require('../../dist/instrumentations/http/request-args.js');
const incoming = require('../../dist/instrumentations/http/incoming-attributes.js');

test('readRequestTarget: a URL string, options overriding it, defaults per module', () => {
  assert.deepEqual(readRequestTarget(['http://u:p@example.com:8080/a?b=1'], 'http'), {
    method: 'GET', scheme: 'http', hostname: 'example.com', port: 8080, path: '/a?b=1', hasUserinfo: true, optionsIndex: -1, urlGiven: true,
  });
  assert.deepEqual(readRequestTarget([new URL('https://[::1]/x'), { method: 'post' }, () => {}], 'https'), {
    method: 'POST', scheme: 'https', hostname: '::1', port: 443, path: '/x', hasUserinfo: false, optionsIndex: 1, urlGiven: true,
  });
  assert.deepEqual(readRequestTarget([{ host: 'h', path: '/p', auth: 'a:b' }], 'https'), {
    method: 'GET', scheme: 'https', hostname: 'h', port: 443, path: '/p', hasUserinfo: true, optionsIndex: 0, urlGiven: false,
  });
  assert.deepEqual(readRequestTarget([{}, () => {}], 'http'), {
    method: 'GET', scheme: 'http', hostname: 'localhost', port: 80, path: '/', hasUserinfo: false, optionsIndex: 0, urlGiven: false,
  });
  assert.throws(() => readRequestTarget(['not a url'], 'http'), 'Node would throw too: we leave the call to it');
});

test('argsWithHeaders: copies options and headers, keeps the app casing, never mutates', () => {
  const appHeaders = { 'X-App': '1' };
  const options = { host: 'h', headers: appHeaders };
  const cb = () => {};
  const args = [options, cb];
  const out = argsWithHeaders(args, readRequestTarget(args, 'http'), { traceparent: 'tp' }, 'http');
  assert.deepEqual(appHeaders, { 'X-App': '1' }, 'app headers untouched');
  assert.deepEqual(Object.keys(options), ['host', 'headers']);
  assert.notEqual(out[0], options);
  assert.deepEqual(out[0].headers, { 'X-App': '1', traceparent: 'tp' });
  assert.equal(out[0].host, 'h');
  assert.equal(out[1], cb);

  class Opts { get hostname() { return 'from-proto'; } }
  const inherited = new Opts();
  const out2 = argsWithHeaders([inherited], readRequestTarget([inherited], 'http'), { traceparent: 'tp' }, 'http');
  assert.equal(out2[0].hostname, 'from-proto', 'prototype properties still visible to Node');
});

test('argsWithHeaders: (url) and (url, cb) get an options object Node merges', () => {
  const cb = () => {};
  const args = ['http://h/p', cb];
  assert.deepEqual(argsWithHeaders(args, readRequestTarget(args, 'http'), { traceparent: 'tp' }, 'http'), [
    'http://h/p', { headers: { traceparent: 'tp' } }, cb,
  ]);
});

test('argsWithHeaders: array headers, flat and paired, are extended in kind', () => {
  const flat = ['X-A', '1'];
  const a1 = [{ headers: flat }];
  assert.deepEqual(argsWithHeaders(a1, readRequestTarget(a1, 'http'), { traceparent: 'tp' }, 'http')[0].headers, ['X-A', '1', 'traceparent', 'tp']);
  assert.deepEqual(flat, ['X-A', '1']);
  // A propagation header already in a list (any case) is replaced, not sent twice.
  const stale = [{ headers: ['Traceparent', 'old', 'X-A', '1', 'BAGGAGE', 'k=v'] }];
  assert.deepEqual(argsWithHeaders(stale, readRequestTarget(stale, 'http'), { traceparent: 'tp', baggage: 'k=w' }, 'http')[0].headers, ['X-A', '1', 'traceparent', 'tp', 'baggage', 'k=w']);
  const stalePairs = [{ headers: [['traceparent', 'old'], ['X-A', '1']] }];
  assert.deepEqual(argsWithHeaders(stalePairs, readRequestTarget(stalePairs, 'http'), { traceparent: 'tp' }, 'http')[0].headers, [['X-A', '1'], ['traceparent', 'tp']]);
  const paired = [['X-A', '1']];
  const a2 = ['http://h/', { headers: paired }];
  assert.deepEqual(argsWithHeaders(a2, readRequestTarget(a2, 'http'), { traceparent: 'tp' }, 'http')[1].headers, [['X-A', '1'], ['traceparent', 'tp']]);
});

test('argsWithHeaders: Node does with our arguments what it does with the app\'s, for every shape of call', () => {
  // The oracle is Node itself: the same call made with the app's arguments and with ours must
  // give a request to the same place, with the same callback taken (or, as https.request(url,
  // null, cb) does, dropped), plus our header. Requests are destroyed before they connect.
  const describeRequest = (req, cb) => {
    const out = { host: req.host, path: req.path, method: req.method, protocol: req.protocol, takesCallback: req.listeners('response').includes(cb) };
    req.on('error', () => {});
    req.destroy();
    return out;
  };
  const url = 'http://127.0.0.1:9/p?q=1';
  const secure = 'https://127.0.0.1:9/p?q=1';
  const shapes = {
    http: [[url, null], [url, undefined], [url], [url, 'cb'], [url, {}, 'cb'], [undefined, 'cb'], [null, 'cb'], [{ host: '127.0.0.1', port: 9 }, 'cb'], [{ port: 9 }], [new URL(url), null, 'cb'], [url, 0, 'cb']],
    https: [[secure, null, 'cb'], [secure, undefined, 'cb'], [secure, 'cb'], [secure], [undefined, 'cb'], [null, 'cb'], ['cb'], [{ host: '127.0.0.1', port: 9 }, 'cb'], [new URL(secure), null, 'cb'], [secure, 0, 'cb'], [secure, 42, 'cb']],
  };
  for (const scheme of ['http', 'https']) {
    const mod = require(`node:${scheme}`);
    for (const shape of shapes[scheme]) {
      for (const entry of ['request', 'get']) {
        const cb = () => {};
        const args = shape.map((a) => (a === 'cb' ? cb : a));
        const label = `${scheme}.${entry}(${shape.map((a) => (a === 'cb' ? 'cb' : typeof a === 'string' ? 'url' : String(a?.constructor?.name ?? a))).join(', ')})`;
        const expected = describeRequest(mod[entry](...args), cb);
        const ours = argsWithHeaders(args, readRequestTarget(args, scheme), { traceparent: 'tp' }, scheme);
        const req = mod[entry](...ours);
        assert.equal(req.getHeader('traceparent'), 'tp', label);
        assert.deepEqual(describeRequest(req, cb), expected, label);
      }
    }
  }
});

test('argsWithHeaders: a flat header list of odd length is left for Node to refuse', () => {
  const args = [{ host: 'h', headers: ['X-A', '1', 'X-B'] }];
  assert.deepEqual(argsWithHeaders(args, readRequestTarget(args, 'http'), { traceparent: 'tp' }, 'http'), args);
});

test('Host header → server.address / server.port, default port per scheme', () => {
  assert.deepEqual(incoming.parseHostHeader('example.com:8080', 'http'), { address: 'example.com', port: 8080 });
  assert.deepEqual(incoming.parseHostHeader('example.com', 'https'), { address: 'example.com', port: 443 });
  assert.deepEqual(incoming.parseHostHeader('[::1]:3000', 'http'), { address: '::1', port: 3000 });
  assert.deepEqual(incoming.parseHostHeader('[::1]', 'http'), { address: '::1', port: 80 });
  assert.equal(incoming.parseHostHeader('', 'http'), undefined);
  assert.equal(incoming.parseHostHeader('[::1', 'http'), undefined);
  // A port that is not one is unknown, not the default: no server.port rather than a wrong one.
  for (const host of ['h:0', 'h:99999', 'h:x', 'h:-1', 'h:1e3', 'h: 80', '[::1]:65536']) {
    assert.equal(incoming.parseHostHeader(host, 'http').port, undefined, host);
  }
  assert.deepEqual(incoming.parseHostHeader('h:080', 'http'), { address: 'h', port: 80 });
  assert.deepEqual(incoming.parseHostHeader('h:', 'https'), { address: 'h', port: 443 });
});

test('request target → origin form: absolute form (to a proxy) loses scheme and authority', () => {
  assert.equal(incoming.originForm('/a/b?c=d'), '/a/b?c=d');
  assert.equal(incoming.originForm('http://example.com:8080/a/b?c=d'), '/a/b?c=d');
  assert.equal(incoming.originForm('https://user:pw@example.com/a'), '/a');
  assert.equal(incoming.originForm('http://example.com'), '/');
  assert.equal(incoming.originForm('http://example.com?q=1'), '/?q=1');
  assert.equal(incoming.originForm('HTTP://EXAMPLE.COM/X'), '/X');
  assert.equal(incoming.originForm('*'), '*');
  assert.equal(incoming.originForm('example.com:443'), 'example.com:443');
  assert.equal(incoming.originForm('://x/y'), '://x/y');
});

test('client.address: Forwarded for= first, then X-Forwarded-For, then the peer', () => {
  assert.equal(incoming.forwardedFor('for=192.0.2.60;proto=http;by=203.0.113.43, for=198.51.100.17'), '192.0.2.60');
  assert.equal(incoming.forwardedFor('For="[2001:db8:cafe::17]:4711"'), '2001:db8:cafe::17');
  assert.equal(incoming.forwardedFor('for="192.0.2.43:47011"'), '192.0.2.43');
  assert.equal(incoming.forwardedFor('for=unknown'), undefined);
  assert.equal(incoming.forwardedFor('proto=https'), undefined);
  assert.equal(incoming.xForwardedFor('203.0.113.195, 70.41.3.18'), '203.0.113.195');
  assert.equal(incoming.xForwardedFor('2001:db8:85a3::8a2e:370:7334'), '2001:db8:85a3::8a2e:370:7334');
  const req = (headers) => ({ headers, socket: { remoteAddress: '10.0.0.1' } });
  assert.equal(incoming.clientAddress(req({ forwarded: 'for=1.1.1.1', 'x-forwarded-for': '2.2.2.2' })), '1.1.1.1');
  assert.equal(incoming.clientAddress(req({ 'x-forwarded-for': '2.2.2.2, 3.3.3.3' })), '2.2.2.2');
  assert.equal(incoming.clientAddress(req({ forwarded: 'for=unknown' })), '10.0.0.1');
  assert.equal(incoming.clientAddress(req({})), '10.0.0.1');
});

test('network.protocol.version in semconv spelling', () => {
  assert.equal(incoming.protocolVersion('1.1'), '1.1');
  assert.equal(incoming.protocolVersion('1.0'), '1.0');
  assert.equal(incoming.protocolVersion('2.0'), '2');
  assert.equal(incoming.protocolVersion(undefined), undefined);
});
