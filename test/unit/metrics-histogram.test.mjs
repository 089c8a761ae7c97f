// The histogram aggregation on its own: bucket edges (a value equal to a bound is counted in that
// bound's bucket, as Prometheus' `le` and the OTel spec say), min/max/sum, odd values dropped,
// delta resets, the cardinality limit and its overflow point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Histogram } = require('../../dist/metrics/histogram.js');
const { HTTP_SERVER_REQUEST_DURATION } = require('../../dist/metrics/instruments.js');
const { estimateQuantile } = require('../../dist/exporters/console-metric-exporter.js');

const make = (limit = 2000) => {
  let now = 1000;
  return { histogram: new Histogram(HTTP_SERVER_REQUEST_DURATION, limit, () => now), tick: (ms) => (now += ms) };
};

test('bucket edges: a bound belongs to its own bucket; above the last bound is the +Inf bucket', () => {
  const { histogram } = make();
  for (const value of [0, 0.005, 0.0051, 10, 10.5]) histogram.record(value, { a: 1 });
  const [point] = histogram.collect('cumulative').points;
  assert.equal(point.count, 5);
  assert.equal(point.bucketCounts[0], 2); // 0 and 0.005
  assert.equal(point.bucketCounts[1], 1); // 0.0051
  assert.equal(point.bucketCounts[13], 1); // 10
  assert.equal(point.bucketCounts[14], 1); // 10.5
  assert.equal(point.min, 0);
  assert.equal(point.max, 10.5);
  assert.ok(Math.abs(point.sum - 20.5101) < 1e-9);
});

test('NaN, negative and infinite values are dropped', () => {
  const { histogram } = make();
  for (const value of [NaN, -1, Infinity]) histogram.record(value, { a: 1 });
  assert.equal(histogram.collect('cumulative').points.length, 0);
});

test('cumulative keeps totals and its start; delta hands them over and starts a new interval', () => {
  const { histogram, tick } = make();
  histogram.record(0.1, { a: 1 });
  tick(500);
  assert.equal(histogram.collect('cumulative').points[0].count, 1);
  histogram.record(0.1, { a: 1 });
  const cumulative = histogram.collect('cumulative').points[0];
  assert.equal(cumulative.count, 2);
  assert.equal(cumulative.startTimeUnixMs, 1000);
  tick(500);
  assert.equal(histogram.collect('delta').points[0].count, 2);
  histogram.record(0.2, { a: 1 });
  const delta = histogram.collect('delta').points[0];
  assert.equal(delta.count, 1);
  assert.equal(delta.startTimeUnixMs, 2000);
});

test('the cardinality limit counts the overflow point; nothing is lost', () => {
  const { histogram } = make(3);
  for (let i = 0; i < 10; i++) histogram.record(0.01, { status: i });
  const points = histogram.collect('cumulative').points;
  assert.equal(points.length, 3);
  assert.deepEqual(points.map((p) => p.attributes), [{ status: 0 }, { status: 1 }, { 'otel.metric.overflow': true }]);
  assert.equal(points.reduce((n, p) => n + p.count, 0), 10);
});

test('stop(): nothing kept, nothing recorded', () => {
  const { histogram } = make();
  histogram.record(0.1, { a: 1 });
  histogram.stop();
  histogram.record(0.1, { a: 1 });
  assert.equal(histogram.collect('cumulative').points.length, 0);
});

test('quantiles from buckets: linear within a bucket, clamped to min and max', () => {
  const boundaries = [1, 2, 3];
  assert.equal(estimateQuantile({ count: 4, min: 0.5, max: 2.5, boundaries, buckets: [2, 2, 0, 0] }, 0.5), 1);
  assert.equal(estimateQuantile({ count: 4, min: 0.5, max: 2.5, boundaries, buckets: [2, 2, 0, 0] }, 1), 2);
  assert.equal(estimateQuantile({ count: 1, min: 7, max: 7, boundaries, buckets: [0, 0, 0, 1] }, 0.99), 7);
});

test('pointOf + recordAt: a kept point counts as record() would, until a delta collection or stop() lets it go', () => {
  const { histogram } = make();
  const point = histogram.pointOf({ a: 1 });
  const generation = histogram.generation;
  histogram.recordAt(point, 0.1);
  histogram.record(0.2, { a: 1 });
  let [collected] = histogram.collect('cumulative').points;
  assert.deepEqual({ count: collected.count, sum: collected.sum }, { count: 2, sum: 0.30000000000000004 });
  assert.equal(histogram.generation, generation, 'a cumulative collection keeps the points');
  histogram.collect('delta');
  assert.notEqual(histogram.generation, generation, 'a delta collection drops them: the kept point is stale');
  histogram.recordAt(histogram.pointOf({ a: 1 }), 0.5);
  [collected] = histogram.collect('delta').points;
  assert.equal(collected.count, 1);
  histogram.stop();
  assert.equal(histogram.pointOf({ a: 1 }), undefined);
});
