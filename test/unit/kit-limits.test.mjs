// The caps on what instrumentations copy from the app's input (src/kit/limits.ts) and the helpers
// that apply them: truncateValue / detachedCopy, header capture, url.full, and the SDK's own cut
// for OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT, which must not keep the uncut value alive either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const require = createRequire(import.meta.url);
const limits = require('../../dist/kit/limits.js');
const headers = require('../../dist/instrumentations/http-shared/headers.js');
const url = require('../../dist/instrumentations/http-shared/url.js');
const { compileHttpSettings } = require('../../dist/instrumentations/http/settings.js');
const { sanitizeAttributeValue } = require('../../dist/sdk/attributes.js');
const { resetLogOnce } = require('../../dist/log.js');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

/** Heap growth (MB) from keeping `cut(big)` for 20 different 5 MB strings. */
function retainedMb(cut) {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = [];
  for (let i = 0; i < 20; i++) kept.push(cut(String.fromCharCode(97 + i).repeat(5_000_000)));
  gc();
  const grown = (process.memoryUsage().heapUsed - before) / 1e6;
  assert.equal(kept.length, 20);
  return grown;
}

test('the documented caps', () => {
  assert.equal(limits.MAX_URL_LENGTH, 8192);
  assert.equal(limits.MAX_HEADER_VALUE_LENGTH, 8192);
  assert.equal(limits.MAX_QUERY_TEXT_LENGTH, 10000);
  assert.equal(limits.MAX_CAPTURED_HEADERS, 32);
  assert.equal(limits.MAX_HEADER_VALUES, 16);
  assert.equal(limits.MAX_CAPTURED_PARAMETERS, 32);
});

test('truncateValue: the same string when it fits, else cut to the cap without splitting a surrogate pair', () => {
  const short = 'abc';
  assert.equal(limits.truncateValue(short, 3), short);
  assert.equal(limits.truncateValue('abcdef', 4), 'abcd');
  assert.equal(limits.truncateValue('ab😀cd', 3), 'ab', 'the emoji is two units: cut before it, not through it');
  assert.equal(limits.truncateValue('ab😀cd', 4), 'ab😀');
  assert.equal(limits.truncateValue('abc', 0), '');
});

test('truncateValue keeps only the kept characters alive (a plain slice would hold the whole 5 MB)', () => {
  const sliced = retainedMb((big) => big.slice(0, 8192));
  assert.ok(sliced > 80, `a plain slice retains its parent (${sliced.toFixed(0)} MB): the premise of this test`);
  const cut = retainedMb((big) => limits.truncateValue(big, 8192));
  assert.ok(cut < 20, `truncateValue retained ${cut.toFixed(0)} MB`);
  const copied = retainedMb((big) => limits.detachedCopy(big.slice(0, 100)));
  assert.ok(copied < 20, `detachedCopy retained ${copied.toFixed(0)} MB`);
});

test('the SDK cut for OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT does not retain the uncut value either', () => {
  assert.equal(sanitizeAttributeValue('abcdef', 4), 'abcd');
  const retained = retainedMb((big) => sanitizeAttributeValue(big, 1000));
  assert.ok(retained < 20, `the SDK's truncate retained ${retained.toFixed(0)} MB`);
  const inArrays = retainedMb((big) => sanitizeAttributeValue([big], 1000));
  assert.ok(inArrays < 20, `array elements retained ${inArrays.toFixed(0)} MB`);
});

test('valueLengthCap: the user\'s OTEL_[SPAN_]ATTRIBUTE_VALUE_LENGTH_LIMIT when set (larger or smaller), else the default', () => {
  assert.equal(limits.valueLengthCap({ spanLimits: { attributeValueLengthLimit: Infinity } }, 8192), 8192);
  assert.equal(limits.valueLengthCap({ spanLimits: { attributeValueLengthLimit: 100 } }, 8192), 100);
  assert.equal(limits.valueLengthCap({ spanLimits: { attributeValueLengthLimit: 50_000 } }, 8192), 50_000);
  assert.equal(limits.valueLengthCap(undefined, 8192), 8192);
  const settings = compileHttpSettings({ http: undefined, semconvStabilityOptIn: [], spanLimits: { attributeValueLengthLimit: 300 } });
  assert.equal(settings.urlLengthCap, 300);
  assert.equal(settings.headerValueLengthCap, 300);
  const defaults = compileHttpSettings({ http: undefined, semconvStabilityOptIn: [], spanLimits: { attributeValueLengthLimit: Infinity } });
  assert.equal(defaults.urlLengthCap, 8192);
});

test('header capture: at most 32 names per list (one warning), 16 occurrences per header, each value cut', () => {
  resetLogOnce();
  const lines = [];
  const write = process.stderr.write;
  process.stderr.write = (chunk) => (lines.push(String(chunk)), true);
  let capture;
  try {
    capture = headers.compileHeaderCapture(Array.from({ length: 10_000 }, (_, i) => `x-h-${i}`), 'request', 10);
  } finally {
    process.stderr.write = write;
  }
  assert.equal(capture.names.length, 32);
  assert.equal(capture.names[31], 'x-h-31', 'the first ones, in order');
  assert.equal(lines.filter((l) => l.includes('OTELI_W_HEADER_CAPTURE_LIMIT')).length, 1, lines.join(''));

  const set = {};
  const span = { setAttribute: (k, v) => { set[k] = v; } };
  const raw = [];
  for (let i = 0; i < 100; i++) raw.push('X-H-0', `${i}-${'v'.repeat(20)}`);
  raw.push('x-h-1', 'short');
  headers.setCapturedHeaders(span, capture, raw, headers.valuesFromRawPairs);
  assert.equal(set['http.request.header.x-h-0'].length, 16);
  assert.deepEqual(set['http.request.header.x-h-0'].slice(0, 2), ['0-vvvvvvvv', '1-vvvvvvvv']);
  assert.deepEqual(set['http.request.header.x-h-1'], ['short']);
  const mine = ['a', 'b'];
  assert.equal(headers.capHeaderValues(mine, 10), mine, 'nothing to cut: the same array, no copy');
});

test('url.full and the old http.target: cut to the cap before the redaction runs, still redacted, never longer than the cap', () => {
  const cap = 100;
  const long = `https://user:pw@example.com/p?a=1&Signature=${'s'.repeat(1_000_000)}&b=2`;
  const full = url.redactUrlFull(long, cap);
  assert.equal(full.length <= cap, true);
  assert.match(full, /^https:\/\/REDACTED:REDACTED@example\.com\/p\?a=1&Signature=REDACTED$/);
  assert.doesNotMatch(full, /ss/);
  // A signature whose name the cut leaves whole but whose value it cuts: still REDACTED, and the
  // result (longer after the redaction) cut back to the cap.
  const edge = `https://h/${'p'.repeat(80)}?sig=${'x'.repeat(50)}`;
  const cutEdge = url.redactUrlFull(edge, cap);
  assert.ok(cutEdge.length <= cap);
  assert.doesNotMatch(cutEdge, /x/);
  assert.equal(url.redactUrlFull('https://h/p?sig=abc'), 'https://h/p?sig=REDACTED', 'no cap given: as before');

  const formatted = url.formatUrlFull('http', 'example.com', 80, `/x?${'q'.repeat(1_000_000)}`, false, 8192);
  assert.equal(formatted.length, 8192);
  assert.ok(formatted.startsWith('http://example.com/x?qqq'));
  assert.equal(url.redactTarget(`/p?X-Amz-Signature=${'z'.repeat(500)}`, 64), '/p?X-Amz-Signature=REDACTED');
});
