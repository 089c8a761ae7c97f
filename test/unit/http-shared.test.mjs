// Pure helpers shared by the http and fetch instrumentations: method normalization, url.full
// redaction, excluded-URL matching, header capture, error.type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { normalizeMethod, spanNameForMethod, compileKnownMethods, DEFAULT_KNOWN_METHODS } = require('../../dist/instrumentations/http-shared/method.js');
const oldSemconv = require('../../dist/instrumentations/http-shared/old-semconv.js');
const { settingFor } = require('../../dist/config/settings.js');
const url = require('../../dist/instrumentations/http-shared/url.js');
const { compileExcludedUrls, pathWithoutQuery } = require('../../dist/instrumentations/http-shared/excluded.js');
const headers = require('../../dist/instrumentations/http-shared/headers.js');
const { errorTypeForError, errorTypeForStatus } = require('../../dist/instrumentations/http-shared/error-type.js');

test('known methods pass through, anything else is _OTHER and the span is named HTTP', () => {
  for (const m of ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']) {
    assert.equal(normalizeMethod(m), m);
    assert.equal(spanNameForMethod(m), m);
  }
  assert.equal(normalizeMethod('PURGE'), '_OTHER');
  assert.equal(normalizeMethod('get'), '_OTHER', 'case-sensitive, as the spec says');
  assert.equal(spanNameForMethod('_OTHER'), 'HTTP');
});

test('OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: a configured list replaces the default set, compiled once', () => {
  const list = Object.freeze(['GET', 'PURGE']);
  const normalize = compileKnownMethods(list);
  assert.equal(compileKnownMethods(list), normalize, 'one normalizer per list');
  assert.equal(normalize('PURGE'), 'PURGE');
  assert.equal(normalize('GET'), 'GET');
  assert.equal(normalize('POST'), '_OTHER', 'replaced, not extended');
  assert.equal(normalize('purge'), '_OTHER', 'case-sensitive');
  assert.equal(compileKnownMethods(undefined), normalizeMethod, 'no list: the default set');
});

test('OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: the --help default is the default set', () => {
  assert.deepEqual(settingFor('OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS').default.split(','), [...DEFAULT_KNOWN_METHODS]);
});

test('OTEL_SEMCONV_STABILITY_OPT_IN: only http/dup adds the old attributes', () => {
  assert.equal(oldSemconv.emitsOldHttpSemconv({ semconvStabilityOptIn: ['http/dup'] }), true);
  assert.equal(oldSemconv.emitsOldHttpSemconv({ semconvStabilityOptIn: ['http', 'http/dup'] }), true, 'http/dup wins over http');
  assert.equal(oldSemconv.emitsOldHttpSemconv({ semconvStabilityOptIn: ['http'] }), false);
  assert.equal(oldSemconv.emitsOldHttpSemconv({ semconvStabilityOptIn: [] }), false);
  assert.equal(oldSemconv.emitsOldHttpSemconv({}), false, 'a Config built by hand');
});

test('old attributes: a SERVER request maps stable values to old names and adds the old-only facts', () => {
  const attributes = {
    'http.request.method': '_OTHER',
    'http.request.method_original': 'PURGE',
    'url.path': '/a',
    'url.scheme': 'https',
    'server.address': 'shop.example',
    'server.port': 443,
    'client.address': '198.51.100.1',
    'network.peer.address': '10.0.0.2',
    'network.peer.port': 50000,
    'network.protocol.version': '2',
    'user_agent.original': 'curl/8',
  };
  oldSemconv.addOldRequestAttributes(attributes, 'server', {
    target: '/a?b=1',
    host: 'shop.example',
    contentLength: '12',
    forwardedClient: '198.51.100.1',
    localAddress: '10.0.0.1',
    localPort: 8443,
  });
  const old = Object.fromEntries(Object.entries(attributes).filter(([k]) => /^(http\.[a-z_]+|net\..*)$/.test(k) && k !== 'http.request.method'));
  assert.deepEqual(old, {
    'http.method': 'PURGE',
    'http.scheme': 'https',
    'net.host.name': 'shop.example',
    'net.peer.ip': '10.0.0.2',
    'net.peer.port': 50000,
    'http.user_agent': 'curl/8',
    'http.target': '/a?b=1',
    'http.host': 'shop.example',
    'http.request_content_length': 12,
    'http.flavor': '2.0',
    'net.transport': 'ip_tcp',
    'http.url': 'https://shop.example/a?b=1',
    'http.client_ip': '198.51.100.1',
    'net.host.ip': '10.0.0.1',
    'net.host.port': 8443,
  });
});

test('old attributes: a CLIENT request gets no server-side names', () => {
  const attributes = {
    'http.request.method': 'GET',
    'url.full': 'http://api:8080/x?y=1',
    'server.address': 'api',
    'server.port': 8080,
  };
  oldSemconv.addOldRequestAttributes(attributes, 'client', { target: '/x?y=1', host: 'api:8080', userAgent: 'node', contentLength: 'abc' });
  assert.deepEqual(attributes, {
    'http.request.method': 'GET',
    'url.full': 'http://api:8080/x?y=1',
    'server.address': 'api',
    'server.port': 8080,
    'http.method': 'GET',
    'http.url': 'http://api:8080/x?y=1',
    'net.peer.name': 'api',
    'net.peer.port': 8080,
    'http.target': '/x?y=1',
    'http.host': 'api:8080',
    'http.user_agent': 'node',
  });
  assert.equal(oldSemconv.oldFlavor('1.1'), '1.1');
  assert.equal(oldSemconv.oldFlavor('3'), '3.0');
  assert.equal(oldSemconv.parseContentLength('007'), 7);
  assert.equal(oldSemconv.parseContentLength('-1'), undefined);
});

test('url.full: userinfo becomes REDACTED:REDACTED', () => {
  assert.equal(url.redactUserinfo('https://user:pass@example.com/a?b=1'), 'https://REDACTED:REDACTED@example.com/a?b=1');
  assert.equal(url.redactUserinfo('https://user@example.com/'), 'https://REDACTED:REDACTED@example.com/');
  const plain = 'https://example.com/a@b';
  assert.equal(url.redactUserinfo(plain), plain, 'an @ in the path is not userinfo');
});

test('url.full: values of sensitive query parameters become REDACTED, others stay byte for byte', () => {
  assert.equal(
    url.redactQueryValues('/o?AWSAccessKeyId=AK&Signature=s%2Fg&Expires=1&sig=x&X-Goog-Signature=g'),
    '/o?AWSAccessKeyId=REDACTED&Signature=REDACTED&Expires=1&sig=REDACTED&X-Goog-Signature=REDACTED',
  );
  assert.equal(
    url.redactQueryValues('https://b.s3.amazonaws.com/k?X-Amz-Credential=a%2Fb&X-Amz-Signature=abc&X-Amz-Security-Token=t&X-Amz-Date=1'),
    'https://b.s3.amazonaws.com/k?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Security-Token=REDACTED&X-Amz-Date=1',
  );
  const untouched = '/search?q=sig&signature=lower&mysig=1';
  assert.equal(url.redactQueryValues(untouched), untouched, 'names match exactly and whole');
  assert.equal(url.redactQueryValues('sig=1&a=2'), 'sig=REDACTED&a=2', 'a bare query string (url.query)');
  assert.equal(url.redactQueryValues('/path/sig=1'), '/path/sig=1', 'no query, nothing to redact');
});

test('formatUrlFull omits default ports, brackets IPv6 and never shows credentials', () => {
  assert.equal(url.formatUrlFull('http', 'example.com', 80, '/a?b=1', false), 'http://example.com/a?b=1');
  assert.equal(url.formatUrlFull('https', 'example.com', 443, '/', true), 'https://REDACTED:REDACTED@example.com/');
  assert.equal(url.formatUrlFull('http', '::1', 8080, '/x', false), 'http://[::1]:8080/x');
  assert.equal(url.formatUrlFull('https', 'h', 80, '/?sig=1', false), 'https://h:80/?sig=REDACTED');
  assert.equal(url.redactUrlFull('http://u:p@h/?Signature=z'), 'http://REDACTED:REDACTED@h/?Signature=REDACTED');
});

test('OTEL_NODE_HTTP_EXCLUDED_URLS: * is a wildcard, the rest is literal, paths and full URLs', () => {
  assert.equal(compileExcludedUrls([]), undefined, 'nothing excluded: no matcher at all');
  const isExcluded = compileExcludedUrls(['/health', '/static/*', ' /a.b ', 'http://collector:4318/*']);
  assert.equal(isExcluded('/health'), true);
  assert.equal(isExcluded('/healthz'), false, 'anchored at both ends');
  assert.equal(isExcluded('/static/app.js'), true);
  assert.equal(isExcluded('/a.b'), true, 'patterns are trimmed');
  assert.equal(isExcluded('/aXb'), false, 'a dot is literal');
  assert.equal(isExcluded('/v1/traces', 'http://collector:4318/v1/traces'), true);
  assert.equal(isExcluded('/v1/traces', 'http://other:4318/v1/traces'), false);
  const patterns = ['/y'];
  assert.equal(compileExcludedUrls(patterns), compileExcludedUrls(patterns), 'compiled once per list');
  assert.equal(pathWithoutQuery('/a/b?c=1'), '/a/b');
  assert.equal(pathWithoutQuery('/a/b'), '/a/b');
});

test('header capture: lower-case keys built once, every occurrence as its own array element', () => {
  assert.equal(headers.compileHeaderCapture([], 'request'), undefined);
  const capture = headers.compileHeaderCapture(['X-Request-Id', 'set-cookie', 'x-request-id'], 'response');
  assert.deepEqual(capture.names, ['x-request-id', 'set-cookie']);
  assert.deepEqual(capture.keys, ['http.response.header.x-request-id', 'http.response.header.set-cookie']);
  assert.deepEqual(headers.headerValueToArray('a'), ['a']);
  assert.deepEqual(headers.headerValueToArray(12), ['12']);
  assert.deepEqual(headers.headerValueToArray(['a', 'b']), ['a', 'b']);
  assert.equal(headers.headerValueToArray(undefined), undefined);
  assert.deepEqual(headers.valuesFromRawPairs(['X-A', '1', 'x-b', '2', 'x-a', '3'], 'x-a'), ['1', '3']);
  assert.equal(headers.valuesFromRawPairs(['X-A', '1'], 'x-c'), undefined);
  const block = 'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Id:  7 \r\nset-cookie: b=2\r\n\r\n';
  assert.deepEqual(headers.valuesFromHeaderBlock(block, 'set-cookie'), ['a=1', 'b=2']);
  assert.deepEqual(headers.valuesFromHeaderBlock(block, 'x-id'), ['7']);
  assert.equal(headers.valuesFromHeaderBlock(block, 'x'), undefined);

  const set = {};
  const span = { setAttribute: (k, v) => { set[k] = v; } };
  headers.setCapturedHeaders(span, capture, { 'x-request-id': ['r1'] }, (src, name) => src[name]);
  assert.deepEqual(set, { 'http.response.header.x-request-id': ['r1'] });
});

test('header capture: authorization, proxy-authorization, cookie and set-cookie are recorded REDACTED, even when named', () => {
  const capture = headers.compileHeaderCapture(['Authorization', 'proxy-authorization', 'Cookie', 'set-cookie', 'x-request-id'], 'request');
  const sent = {
    authorization: ['Bearer t0k3n'],
    'proxy-authorization': ['Basic dXNlcjpwdw=='],
    cookie: ['sid=s3ss10n'],
    'set-cookie': ['a=1', 'b=2'],
    'x-request-id': ['r1'],
  };
  const set = {};
  headers.setCapturedHeaders({ setAttribute: (k, v) => { set[k] = v; } }, capture, sent, (src, name) => src[name]);
  assert.deepEqual(set, {
    'http.request.header.authorization': ['REDACTED'],
    'http.request.header.proxy-authorization': ['REDACTED'],
    'http.request.header.cookie': ['REDACTED'],
    // Still one element per occurrence: how many cookies were set is no secret.
    'http.request.header.set-cookie': ['REDACTED', 'REDACTED'],
    'http.request.header.x-request-id': ['r1'],
  });
});

test('error.type: status codes as strings, errors by code then class name, else _OTHER', () => {
  assert.equal(errorTypeForStatus(503), '503');
  assert.equal(errorTypeForStatus(503), errorTypeForStatus(503));
  assert.equal(errorTypeForError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'ECONNREFUSED');
  assert.equal(errorTypeForError(new TypeError('x')), 'TypeError');
  assert.equal(errorTypeForError(Object.create(null)), '_OTHER');
  assert.equal(errorTypeForError({}), '_OTHER');
  assert.equal(errorTypeForError('boom'), '_OTHER');
  assert.equal(errorTypeForError(undefined), '_OTHER');
});
