// Headers on undici's internal Request in both of its shapes: a 'name: value\r\n' string before
// undici 6.7.0, a flat [name, value, …] array since (src/instrumentations/fetch/request-headers.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { requestHeaderValues, setRequestHeader } = require('../../dist/instrumentations/fetch/request-headers.js');

/** A stand-in for undici's Request: addHeader appends in the request's own shape. */
function fakeRequest(headers) {
  return {
    headers,
    addHeader(name, value) {
      if (Array.isArray(this.headers)) this.headers.push(name, value);
      else this.headers += `${name}: ${value}\r\n`;
      return this;
    },
  };
}

test('array headers (undici ≥ 6.7): values by lower-case name, repeated and array-valued', () => {
  const request = fakeRequest(['X-Id', '1', 'accept', '*/*', 'x-id', '2', 'X-Multi', ['a', 'b']]);
  assert.deepEqual(requestHeaderValues(request, 'x-id'), ['1', '2']);
  assert.deepEqual(requestHeaderValues(request, 'x-multi'), ['a', 'b']);
  assert.equal(requestHeaderValues(request, 'missing'), undefined);
});

test("string headers (undici < 6.7): values by lower-case name", () => {
  const request = fakeRequest('X-Id: 1\r\naccept: */*\r\nx-id:  2 \r\n');
  assert.deepEqual(requestHeaderValues(request, 'x-id'), ['1', '2']);
  assert.equal(requestHeaderValues(request, 'missing'), undefined);
});

test('setRequestHeader appends a new header through addHeader', () => {
  const arrayRequest = fakeRequest(['accept', '*/*']);
  assert.equal(setRequestHeader(arrayRequest, 'traceparent', 'tp'), true);
  assert.deepEqual(arrayRequest.headers, ['accept', '*/*', 'traceparent', 'tp']);
  const stringRequest = fakeRequest('accept: */*\r\n');
  setRequestHeader(stringRequest, 'traceparent', 'tp');
  assert.equal(stringRequest.headers, 'accept: */*\r\ntraceparent: tp\r\n');
});

test("setRequestHeader replaces the app's header of the same name in place, keeping its casing", () => {
  const arrayRequest = fakeRequest(['TraceParent', 'old', 'accept', '*/*']);
  setRequestHeader(arrayRequest, 'traceparent', 'new');
  assert.deepEqual(arrayRequest.headers, ['TraceParent', 'new', 'accept', '*/*']);
  const stringRequest = fakeRequest('TraceParent: old\r\naccept: */*\r\n');
  setRequestHeader(stringRequest, 'traceparent', 'new');
  assert.equal(stringRequest.headers, 'TraceParent: new\r\naccept: */*\r\n');
});

test('setRequestHeader without addHeader reports that nothing was set', () => {
  assert.equal(setRequestHeader({ headers: [] }, 'traceparent', 'tp'), false);
});
