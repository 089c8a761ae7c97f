// Secrets in URLs inside free text (src/redact.ts), and the two places every text goes through
// it: the agent's log lines (src/log.ts) and the exceptions instrumentations record
// (src/kit/errors.ts). The e2e view of the same rules is test/e2e/secrets.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { redactUrlText, redactUrlsInText } = require('../../dist/redact.js');
const { log, resetLogOnce, setLogLevel } = require('../../dist/log.js');
const { recordError, withRedactedUrls } = require('../../dist/kit/errors.js');

test('redactUrlText: userinfo becomes REDACTED:REDACTED, every query value REDACTED', () => {
  assert.equal(redactUrlText('http://user:pw@collector:4318/v1/traces?api-key=k&x=1#f'), 'http://REDACTED:REDACTED@collector:4318/v1/traces?api-key=REDACTED&x=REDACTED#f');
  assert.equal(redactUrlText('https://token@collector/'), 'https://REDACTED:REDACTED@collector/', 'a user name alone is a token too');
  assert.equal(redactUrlText('http://u:p@w@h/'), 'http://REDACTED:REDACTED@h/', 'up to the last @ of the authority');
  assert.equal(redactUrlText('http://h/path@x?flag'), 'http://h/path@x?flag', 'an @ in the path is not userinfo; a bare key has no value');
});

test('redactUrlText: the scheme-less `user:token@host:port` a user may put in an endpoint setting', () => {
  assert.equal(redactUrlText('user:hunter2@127.0.0.1:4318'), 'REDACTED:REDACTED@127.0.0.1:4318');
  assert.equal(redactUrlText('collector:4318'), 'collector:4318');
});

test('redactUrlsInText: every URL in a text; sensitive parameters only, or all', () => {
  const text = 'GET http://a:b@h1/x?sig=1&page=2 failed, then "https://h2/?X-Amz-Signature=s" too';
  assert.equal(redactUrlsInText(text, 'sensitive'), 'GET http://REDACTED:REDACTED@h1/x?sig=REDACTED&page=2 failed, then "https://h2/?X-Amz-Signature=REDACTED" too');
  assert.equal(redactUrlsInText(text, 'all'), 'GET http://REDACTED:REDACTED@h1/x?sig=REDACTED&page=REDACTED failed, then "https://h2/?X-Amz-Signature=REDACTED" too');
  const plain = 'user bob@example.com not found at /a?b=1';
  assert.equal(redactUrlsInText(plain, 'all'), plain, 'no URL, the same string');
});

test('log lines: a URL with credentials or a query is printed redacted, at every level', () => {
  const lines = [];
  const original = process.stderr.write;
  process.stderr.write = (chunk) => (lines.push(String(chunk)), true);
  try {
    resetLogOnce();
    setLogLevel('all');
    log.warnOnce('OTELI_W_TEST', 'exporting spans to http://user:hunter2@c:4318/v1/traces?token=t0ps3cret failed');
    log.debug('posting to https://key@c/?k=t0ps3cret');
    log.errorOnce('OTELI_E_TEST', 'crashed', new Error('socket to http://u:hunter2@c/ hung up'));
  } finally {
    process.stderr.write = original;
    setLogLevel('warn');
  }
  assert.deepEqual(lines, [
    '[otel-instrument] warn OTELI_W_TEST: exporting spans to http://REDACTED:REDACTED@c:4318/v1/traces?token=REDACTED failed\n',
    '[otel-instrument] debug: posting to https://REDACTED:REDACTED@c/?k=REDACTED\n',
    '[otel-instrument] error OTELI_E_TEST: crashed: socket to http://REDACTED:REDACTED@c/ hung up\n',
  ]);
});

/** A span that keeps what recordError gives it. */
function recordingSpan() {
  const recorded = { exceptions: [], attributes: {}, status: undefined };
  return {
    recorded,
    recordException: (e) => recorded.exceptions.push(e),
    setAttribute: (k, v) => (recorded.attributes[k] = v),
    setStatus: (s) => (recorded.status = s),
  };
}

test('recordError: URL credentials and signatures in a message and its stack are redacted; the app\'s error is not touched', () => {
  const message = 'Request cannot be constructed from a URL that includes credentials: http://user:hunter2@h/?sig=abc&page=2';
  const error = new TypeError(message);
  const span = recordingSpan();
  recordError(span, error, { errorType: 'TypeError' });
  const [recorded] = span.recorded.exceptions;
  const redacted = 'Request cannot be constructed from a URL that includes credentials: http://REDACTED:REDACTED@h/?sig=REDACTED&page=2';
  assert.equal(recorded.message, redacted);
  assert.equal(recorded.name, 'TypeError');
  assert.ok(recorded.stack.startsWith(`TypeError: ${redacted}\n    at `), recorded.stack);
  assert.deepEqual(span.recorded.status, { code: 2, message: redacted });
  assert.equal(error.message, message, 'the app still sees its own error');
  // An error code (the exception's type) survives the copy.
  assert.equal(withRedactedUrls(Object.assign(new Error('to http://a:b@h/'), { code: 'ECONNRESET' })).code, 'ECONNRESET');
  const clean = new Error('connect ECONNREFUSED 127.0.0.1:5432');
  assert.equal(withRedactedUrls(clean), clean, 'nothing to redact: the error itself');
  assert.equal(withRedactedUrls('GET http://a:b@h/'), 'GET http://REDACTED:REDACTED@h/');
});
