/**
 * ExportMetricsServiceRequest, in protobuf binary and in OTLP/JSON: histograms, and the observed
 * gauges and non-monotonic sums of the runtime metrics. Field numbers follow opentelemetry-proto's metrics.proto; the tests decode our output
 * with protobufjs and the official files. Encoding happens once per export interval, so clarity
 * wins over the tricks of the span encoder; attributes reuse its KeyValue encoders.
 */
import type { HistogramPoint, HistogramSnapshot } from '../metrics/histogram';
import type { ObservedSnapshot } from '../metrics/observed';
import type { MetricsBatch, ScopeMetrics } from '../metrics/registry';
import { epochMsToNanoHalves, epochMsToNanoString } from './otlp-grouping';
import { toKeyValues } from './otlp-json-encoder';
import { encodeAttributes } from './otlp-proto-encoder';
import { ProtobufWriter } from './protobuf-writer';

const REQUEST_RESOURCE_METRICS = 1;
const RESOURCE_METRICS_RESOURCE = 1;
const RESOURCE_METRICS_SCOPE_METRICS = 2;
const RESOURCE_ATTRIBUTES = 1;
const RESOURCE_DROPPED_ATTRIBUTES_COUNT = 2;
const SCOPE_METRICS_SCOPE = 1;
const SCOPE_METRICS_METRICS = 2;
const SCOPE_NAME = 1;
const SCOPE_VERSION = 2;
const METRIC_NAME = 1;
const METRIC_DESCRIPTION = 2;
const METRIC_UNIT = 3;
const METRIC_GAUGE = 5;
const METRIC_SUM = 7;
const METRIC_HISTOGRAM = 9;
const GAUGE_DATA_POINTS = 1;
const SUM_DATA_POINTS = 1;
const SUM_AGGREGATION_TEMPORALITY = 2;
const SUM_IS_MONOTONIC = 3;
const NUMBER_START_TIME_UNIX_NANO = 2;
const NUMBER_TIME_UNIX_NANO = 3;
const NUMBER_AS_DOUBLE = 4;
const NUMBER_ATTRIBUTES = 7;
const HISTOGRAM_DATA_POINTS = 1;
const HISTOGRAM_AGGREGATION_TEMPORALITY = 2;
const POINT_START_TIME_UNIX_NANO = 2;
const POINT_TIME_UNIX_NANO = 3;
const POINT_COUNT = 4;
const POINT_SUM = 5;
const POINT_BUCKET_COUNTS = 6;
const POINT_EXPLICIT_BOUNDS = 7;
const POINT_ATTRIBUTES = 9;
const POINT_MIN = 11;
const POINT_MAX = 12;

/** AggregationTemporality in metrics.proto. */
const TEMPORALITY = { delta: 1, cumulative: 2 } as const;

const TWO_POW_32 = 4294967296;

export function encodeMetricsRequestProto(batch: MetricsBatch): Uint8Array {
  const w = new ProtobufWriter();
  w.reset();
  w.beginMessage(REQUEST_RESOURCE_METRICS, 3);
  w.beginMessage(RESOURCE_METRICS_RESOURCE, 2);
  encodeAttributes(w, RESOURCE_ATTRIBUTES, batch.resource.attributes);
  w.uint32(RESOURCE_DROPPED_ATTRIBUTES_COUNT, batch.resource.droppedAttributesCount);
  w.endMessage();
  for (const scope of batch.scopes) encodeScopeMetrics(w, scope, batch.timeUnixMs);
  w.endMessage();
  return w.finish();
}

function encodeScopeMetrics(w: ProtobufWriter, { scope, histograms, observed }: ScopeMetrics, timeUnixMs: number): void {
  w.beginMessage(RESOURCE_METRICS_SCOPE_METRICS, 3);
  w.beginMessage(SCOPE_METRICS_SCOPE);
  w.string(SCOPE_NAME, scope.name);
  w.string(SCOPE_VERSION, scope.version);
  w.endMessage();
  for (const histogram of histograms) encodeHistogram(w, histogram, timeUnixMs);
  for (const snapshot of observed) encodeObserved(w, snapshot, timeUnixMs);
  w.endMessage();
}

/** A gauge, or a cumulative non-monotonic Sum, of NumberDataPoints (as_double). */
function encodeObserved(w: ProtobufWriter, { definition, startTimeUnixMs, observations }: ObservedSnapshot, timeUnixMs: number): void {
  const isSum = definition.kind === 'updowncounter';
  w.beginMessage(SCOPE_METRICS_METRICS, 2);
  w.string(METRIC_NAME, definition.name);
  w.string(METRIC_DESCRIPTION, definition.description);
  w.string(METRIC_UNIT, definition.unit);
  w.beginMessage(isSum ? METRIC_SUM : METRIC_GAUGE, 2);
  for (const { attributes, value } of observations) {
    w.beginMessage(isSum ? SUM_DATA_POINTS : GAUGE_DATA_POINTS, 1);
    if (isSum) {
      epochMsToNanoHalves(startTimeUnixMs, halves);
      w.fixed64(NUMBER_START_TIME_UNIX_NANO, halves[0], halves[1]);
    }
    epochMsToNanoHalves(timeUnixMs, halves);
    w.fixed64(NUMBER_TIME_UNIX_NANO, halves[0], halves[1]);
    w.double(NUMBER_AS_DOUBLE, value);
    encodeAttributes(w, NUMBER_ATTRIBUTES, attributes);
    w.endMessage();
  }
  if (isSum) {
    w.uint32(SUM_AGGREGATION_TEMPORALITY, TEMPORALITY.cumulative);
    w.bool(SUM_IS_MONOTONIC, false);
  }
  w.endMessage();
  w.endMessage();
}

function encodeHistogram(w: ProtobufWriter, { definition, temporality, points }: HistogramSnapshot, timeUnixMs: number): void {
  w.beginMessage(SCOPE_METRICS_METRICS, 3);
  w.string(METRIC_NAME, definition.name);
  w.string(METRIC_DESCRIPTION, definition.description);
  w.string(METRIC_UNIT, definition.unit);
  w.beginMessage(METRIC_HISTOGRAM, 3);
  for (const point of points) encodePoint(w, point, definition.boundaries, timeUnixMs);
  w.uint32(HISTOGRAM_AGGREGATION_TEMPORALITY, TEMPORALITY[temporality]);
  w.endMessage();
  w.endMessage();
}

const halves: [number, number] = [0, 0];

function encodePoint(w: ProtobufWriter, point: HistogramPoint, boundaries: readonly number[], timeUnixMs: number): void {
  w.beginMessage(HISTOGRAM_DATA_POINTS, 2);
  epochMsToNanoHalves(point.startTimeUnixMs, halves);
  w.fixed64(POINT_START_TIME_UNIX_NANO, halves[0], halves[1]);
  epochMsToNanoHalves(timeUnixMs, halves);
  w.fixed64(POINT_TIME_UNIX_NANO, halves[0], halves[1]);
  w.fixed64(POINT_COUNT, point.count % TWO_POW_32, Math.floor(point.count / TWO_POW_32));
  w.double(POINT_SUM, point.sum);
  // Packed repeated fixed64 and double: 8 bytes a value after one tag and length.
  const counts = Buffer.alloc(8 * point.bucketCounts.length);
  point.bucketCounts.forEach((count, i) => {
    counts.writeUInt32LE(count % TWO_POW_32, 8 * i);
    counts.writeUInt32LE(Math.floor(count / TWO_POW_32), 8 * i + 4);
  });
  w.tagLength(POINT_BUCKET_COUNTS, counts.length);
  w.raw(counts);
  const bounds = Buffer.alloc(8 * boundaries.length);
  boundaries.forEach((bound, i) => bounds.writeDoubleLE(bound, 8 * i));
  w.tagLength(POINT_EXPLICIT_BOUNDS, bounds.length);
  w.raw(bounds);
  encodeAttributes(w, POINT_ATTRIBUTES, point.attributes);
  if (point.count > 0) {
    w.double(POINT_MIN, point.min);
    w.double(POINT_MAX, point.max);
  }
  w.endMessage();
}

export function encodeMetricsRequestJson(batch: MetricsBatch): string {
  const resource: Record<string, unknown> = { attributes: toKeyValues(batch.resource.attributes) };
  if (batch.resource.droppedAttributesCount > 0) resource['droppedAttributesCount'] = batch.resource.droppedAttributesCount;
  const time = epochMsToNanoString(batch.timeUnixMs);
  const scopeMetrics = batch.scopes.map(({ scope, histograms, observed }) => ({
    scope: { name: scope.name, version: scope.version },
    metrics: [...histograms.map(({ definition, temporality, points }) => ({
      name: definition.name,
      description: definition.description,
      unit: definition.unit,
      histogram: {
        aggregationTemporality: TEMPORALITY[temporality],
        dataPoints: points.map((point) => ({
          attributes: toKeyValues(point.attributes),
          startTimeUnixNano: epochMsToNanoString(point.startTimeUnixMs),
          timeUnixNano: time,
          // 64-bit integers are decimal strings in OTLP/JSON.
          count: String(point.count),
          sum: point.sum,
          bucketCounts: point.bucketCounts.map(String),
          explicitBounds: [...definition.boundaries],
          ...(point.count > 0 ? { min: point.min, max: point.max } : {}),
        })),
      },
    })), ...observed.map((snapshot) => observedJson(snapshot, time))],
  }));
  return JSON.stringify({ resourceMetrics: [{ resource, scopeMetrics }] });
}

function observedJson({ definition, startTimeUnixMs, observations }: ObservedSnapshot, time: string): Record<string, unknown> {
  const isSum = definition.kind === 'updowncounter';
  const dataPoints = observations.map(({ attributes, value }) => ({
    attributes: toKeyValues(attributes),
    ...(isSum ? { startTimeUnixNano: epochMsToNanoString(startTimeUnixMs) } : {}),
    timeUnixNano: time,
    asDouble: value,
  }));
  const data = isSum ? { sum: { dataPoints, aggregationTemporality: TEMPORALITY.cumulative, isMonotonic: false } } : { gauge: { dataPoints } };
  return { name: definition.name, description: definition.description, unit: definition.unit, ...data };
}
