// Built-in samplers (src/sdk/samplers.ts): OTEL_TRACES_SAMPLER values and the parent matrix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { createSampler, SamplingDecision } = require('../../dist/sdk/samplers.js');
const { newTraceId } = require('../../dist/sdk/ids.js');

const { NOT_RECORD, RECORD_AND_SAMPLED } = SamplingDecision;
// Upper 18 hex digits are ignored by the ratio sampler; the last 14 are the 56-bit randomness.
const id = (low14, high18 = 'abcdefabcdefabcdef') => high18 + low14;
const decide = (sampler, traceId, ctx = api.ROOT_CONTEXT) =>
  sampler.shouldSample(ctx, traceId, 'op', api.SpanKind.INTERNAL, undefined, undefined).decision;

function withParent(sampled, isRemote) {
  return api.trace.setSpanContext(api.ROOT_CONTEXT, {
    traceId: 'f'.repeat(32),
    spanId: '1'.repeat(16),
    traceFlags: sampled ? api.TraceFlags.SAMPLED : api.TraceFlags.NONE,
    isRemote,
  });
}

test('OTEL_TRACES_SAMPLER=always_on / always_off', () => {
  assert.equal(decide(createSampler('always_on', 0), newTraceId()), RECORD_AND_SAMPLED);
  assert.equal(decide(createSampler('always_off', 1), newTraceId()), NOT_RECORD);
  // The root samplers ignore the parent entirely.
  assert.equal(decide(createSampler('always_on', 0), newTraceId(), withParent(false, true)), RECORD_AND_SAMPLED);
  assert.equal(decide(createSampler('always_off', 0), newTraceId(), withParent(true, false)), NOT_RECORD);
});

test('traceidratio 0 never samples and 1 always samples, even at the extremes of the id space', () => {
  const never = createSampler('traceidratio', 0);
  const always = createSampler('traceidratio', 1);
  assert.equal(decide(never, id('ffffffffffffff')), NOT_RECORD);
  assert.equal(decide(always, id('00000000000000')), RECORD_AND_SAMPLED);
  assert.equal(decide(always, '00000000000000000000000000000001'), RECORD_AND_SAMPLED);
});

test('traceidratio 0.5 samples when the lower 56 bits are >= 2^55, deterministically', () => {
  const half = createSampler('traceidratio', 0.5);
  assert.equal(decide(half, id('80000000000000')), RECORD_AND_SAMPLED); // R == T
  assert.equal(decide(half, id('7fffffffffffff')), NOT_RECORD); // R == T - 1
  assert.equal(decide(half, id('ffffffffffffff')), RECORD_AND_SAMPLED);
  assert.equal(decide(half, id('00000000000000')), NOT_RECORD);
  // Only the lower 56 bits matter.
  assert.equal(decide(half, id('80000000000000', '000000000000000000')), RECORD_AND_SAMPLED);
  assert.equal(decide(half, id('7fffffffffffff', 'ffffffffffffffffff')), NOT_RECORD);
  // Uppercase hex (from a lenient propagator) decides the same way.
  assert.equal(decide(half, id('80000000000000').toUpperCase()), RECORD_AND_SAMPLED);
  // Same id, same answer.
  for (let i = 0; i < 50; i++) {
    const t = newTraceId();
    assert.equal(decide(half, t), decide(half, t));
  }
});

test('traceidratio thresholds are exact across the 28-bit halves', () => {
  // T = 0.75 × 2^56 = 0xc0000000000000
  const quarter = createSampler('traceidratio', 0.25);
  assert.equal(decide(quarter, id('c0000000000000')), RECORD_AND_SAMPLED);
  assert.equal(decide(quarter, id('bfffffffffffff')), NOT_RECORD);
  // 1/3 as a double × 2^56 is exactly 0x55555555555554, so T = 0xaaaaaaaaaaaaac: a 56-bit value
  // a double rounds to ...b0, so this checks the threshold is kept exactly (in two halves).
  const third = createSampler('traceidratio', 1 / 3);
  assert.equal(decide(third, id('aaaaaaaaaaaaac')), RECORD_AND_SAMPLED);
  assert.equal(decide(third, id('aaaaaaaaaaaaab')), NOT_RECORD);
  assert.equal(decide(third, id('aaaaaab0000000')), RECORD_AND_SAMPLED);
  // The smallest ratio a double can express at this scale: T = 2^56 - 1.
  const tiny = createSampler('traceidratio', 2 ** -56);
  assert.equal(decide(tiny, id('ffffffffffffff')), RECORD_AND_SAMPLED);
  assert.equal(decide(tiny, id('fffffffffffffe')), NOT_RECORD);
});

test('traceidratio is monotonic: sampled at r means sampled at every r2 >= r', () => {
  const ratios = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99];
  const samplers = ratios.map((r) => createSampler('traceidratio', r));
  for (let i = 0; i < 2000; i++) {
    const t = newTraceId();
    const decisions = samplers.map((s) => decide(s, t));
    for (let k = 1; k < decisions.length; k++) {
      if (decisions[k - 1] === RECORD_AND_SAMPLED) assert.equal(decisions[k], RECORD_AND_SAMPLED, t);
    }
  }
});

test('traceidratio 0.5 samples about half of random trace ids', () => {
  const half = createSampler('traceidratio', 0.5);
  let sampled = 0;
  for (let i = 0; i < 20000; i++) if (decide(half, newTraceId()) === RECORD_AND_SAMPLED) sampled++;
  // Mean 10000, standard deviation ~71: this window is > 10 sigma wide.
  assert.ok(sampled > 9200 && sampled < 10800, `${sampled} of 20000`);
});

test('traceidratio rejects malformed trace ids', () => {
  const half = createSampler('traceidratio', 0.5);
  assert.equal(decide(half, 'xyz'), NOT_RECORD);
  assert.equal(decide(half, id('zzzzzzzzzzzzzz')), NOT_RECORD);
});

test('parentbased_* follows the parent per the spec defaults; root decides without a parent', () => {
  //                              sampled parent?  remote?  expected
  const matrix = [
    [true, true, RECORD_AND_SAMPLED],
    [false, true, NOT_RECORD],
    [true, false, RECORD_AND_SAMPLED],
    [false, false, NOT_RECORD],
  ];
  for (const name of ['parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio']) {
    const sampler = createSampler(name, 0);
    for (const [sampled, remote, expected] of matrix) {
      assert.equal(decide(sampler, newTraceId(), withParent(sampled, remote)), expected, `${name} ${sampled} ${remote}`);
    }
  }
  assert.equal(decide(createSampler('parentbased_always_on', 0), newTraceId()), RECORD_AND_SAMPLED);
  assert.equal(decide(createSampler('parentbased_always_off', 1), newTraceId()), NOT_RECORD);
  assert.equal(decide(createSampler('parentbased_traceidratio', 0.5), id('80000000000000')), RECORD_AND_SAMPLED);
  assert.equal(decide(createSampler('parentbased_traceidratio', 0.5), id('10000000000000')), NOT_RECORD);
});

test('an invalid parent span context means the root sampler decides', () => {
  const ctx = api.trace.setSpanContext(api.ROOT_CONTEXT, api.INVALID_SPAN_CONTEXT);
  assert.equal(decide(createSampler('parentbased_always_on', 0), newTraceId(), ctx), RECORD_AND_SAMPLED);
});

test('descriptions follow the spec', () => {
  assert.equal(String(createSampler('always_on', 1)), 'AlwaysOnSampler');
  assert.equal(String(createSampler('always_off', 1)), 'AlwaysOffSampler');
  assert.equal(String(createSampler('traceidratio', 0.25)), 'TraceIdRatioBased{0.25}');
  assert.match(String(createSampler('parentbased_traceidratio', 0.1)), /^ParentBased\{root=TraceIdRatioBased\{0\.1\}, /);
});
