// newTraceId / newSpanId (src/sdk/ids.ts) and the time helpers (src/sdk/time.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { newTraceId, newSpanId } = require('../../dist/sdk/ids.js');
const { nowMs, timeInputToMs } = require('../../dist/sdk/time.js');

test('trace ids are 32 lowercase hex chars, never all zeros, and unique', () => {
  const seen = new Set();
  // More ids than one 4096-byte pool holds, so the refill path runs several times.
  for (let i = 0; i < 5000; i++) {
    const id = newTraceId();
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.notEqual(id, '0'.repeat(32));
    seen.add(id);
  }
  assert.equal(seen.size, 5000);
});

test('span ids are 16 lowercase hex chars, never all zeros, and unique', () => {
  const seen = new Set();
  for (let i = 0; i < 5000; i++) {
    const id = newSpanId();
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.notEqual(id, '0'.repeat(16));
    seen.add(id);
  }
  assert.equal(seen.size, 5000);
});

test('trace and span ids interleaved never repeat bytes across calls', () => {
  const all = new Set();
  for (let i = 0; i < 1000; i++) {
    all.add(newTraceId());
    all.add(newSpanId());
  }
  assert.equal(all.size, 2000);
});

test('every hex digit shows up in every position over many ids (bytes are random)', () => {
  const digitsAt = Array.from({ length: 32 }, () => new Set());
  for (let i = 0; i < 2000; i++) {
    const id = newTraceId();
    for (let p = 0; p < 32; p++) digitsAt[p].add(id[p]);
  }
  for (const digits of digitsAt) assert.equal(digits.size, 16);
});

test('nowMs is epoch milliseconds with a fraction, close to Date.now()', () => {
  const before = Date.now();
  const now = nowMs();
  const after = Date.now();
  // The monotonic clock may drift from the wall clock a little; 1 s is far beyond that.
  assert.ok(now > before - 1000 && now < after + 1000, `${now} not near ${before}`);
});

test('timeInputToMs converts HrTime, epoch ms, Date and performance.now() values', () => {
  assert.equal(timeInputToMs([1_700_000_000, 500_000_000]), 1_700_000_000_500);
  assert.equal(timeInputToMs(1_700_000_000_123.25), 1_700_000_000_123.25);
  assert.equal(timeInputToMs(new Date(1_700_000_000_000)), 1_700_000_000_000);
  // A performance.now() reading is small: anchored at the time origin.
  assert.equal(timeInputToMs(10), performance.timeOrigin + 10);
  // Garbage falls back to now.
  const fallback = timeInputToMs(new Date(NaN));
  assert.ok(Math.abs(fallback - Date.now()) < 1000);
});

test('isValidSpanContext agrees with api.isSpanContextValid', () => {
  const { isValidSpanContext } = require('../../dist/sdk/ids.js');
  const api = require('@opentelemetry/api');
  const cases = [
    { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' },
    { traceId: '0AF7651916CD43DD8448EB211C80319C', spanId: 'B7AD6B7169203331' },
    { traceId: '0'.repeat(32), spanId: 'b7ad6b7169203331' },
    { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '0'.repeat(16) },
    { traceId: '0af7651916cd43dd8448eb211c80319', spanId: 'b7ad6b7169203331' },
    { traceId: '0af7651916cd43dd8448eb211c80319g', spanId: 'b7ad6b7169203331' },
    { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b716920333/' },
    { traceId: 42, spanId: 'b7ad6b7169203331' },
  ];
  for (const sc of cases) {
    const ctx = { ...sc, traceFlags: 1 };
    assert.equal(isValidSpanContext(ctx), api.isSpanContextValid(ctx), JSON.stringify(sc));
    // Asked twice (the second answer may come from the one-entry cache).
    assert.equal(isValidSpanContext(ctx), api.isSpanContextValid(ctx), JSON.stringify(sc));
  }
  assert.equal(isValidSpanContext(undefined), false);
});

test('an id kept for long keeps a few hundred bytes alive, not the pool it was cut from', async () => {
  // Ids are views of a hex string. When that string was a whole 16 KiB fill (32 KiB of hex),
  // every id a long-lived span kept held 32 KiB, and the current fill's string was copied at
  // every young-generation collection (what made V8 grow the young generation under load).
  // Keep one id of every 16 KiB of random bytes and measure what stays on the heap.
  const { execFileSync } = await import('node:child_process');
  const script = `
    const { newTraceId } = require(${JSON.stringify(require.resolve('../../dist/sdk/ids.js'))});
    const kept = [];
    const measure = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
    for (let i = 0; i < 100; i++) newTraceId(); // the first fill and its chunk
    const before = measure();
    for (let i = 0; i < 500; i++) {
      kept.push(newTraceId());
      for (let j = 0; j < 1023; j++) newTraceId(); // the rest of this 16 KiB fill
    }
    process.stdout.write(String((measure() - before) / kept.length));
  `;
  const bytesPerKeptId = Number(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' }));
  assert.ok(bytesPerKeptId < 2048, `each kept id holds ${Math.round(bytesPerKeptId)} bytes of heap`);
});
