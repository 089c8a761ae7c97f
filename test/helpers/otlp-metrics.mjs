// The independent oracle for our metrics encoder: protobufjs with the official
// metrics_service.proto (vendored by the pinned dev dependency dd-trace, like the trace protos),
// for protobuf bodies and, through fromObject, for OTLP/JSON ones. Both come out as one plain
// shape, so tests compare the wire formats directly.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { toBigInt } from './otlp-proto.mjs';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs');
const protoDir = join(dirname(require.resolve('dd-trace/package.json')), 'packages/dd-trace/src/opentelemetry/otlp');

// A Root of its own, so that metrics types do not leak into the one the trace oracle shares.
const metricsRoot = new protobuf.Root();
metricsRoot.resolvePath = (_origin, target) => join(protoDir, target);
metricsRoot.loadSync('metrics_service.proto', { keepCase: false });
export const ExportMetricsServiceRequest = metricsRoot.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');

function anyValue(value) {
  if (value == null) return undefined;
  if (value.stringValue !== undefined && value.stringValue !== null && value.stringValue !== '') return value.stringValue;
  if (value.intValue !== undefined && value.intValue !== null) return Number(toBigInt(value.intValue));
  if (value.doubleValue !== undefined && value.doubleValue !== null) return value.doubleValue;
  if (value.boolValue !== undefined && value.boolValue !== null) return value.boolValue;
  return value.stringValue ?? '';
}

function attributesOf(keyValues = []) {
  return Object.fromEntries(keyValues.map(({ key, value }) => [key, anyValue(value)]));
}

const TEMPORALITY = { 1: 'delta', 2: 'cumulative' };

/**
 * Every metric in a decoded request: [{ resource, scope, name, unit, description, kind, temporality,
 * points }]: histogram points with counts and buckets, gauge and sum points with a value.
 */
export function normalizeMetricsRequest(message) {
  const object = ExportMetricsServiceRequest.toObject(message, { longs: String, enums: Number, defaults: false });
  const metrics = [];
  for (const resourceMetrics of object.resourceMetrics ?? []) {
    const resource = attributesOf(resourceMetrics.resource?.attributes);
    for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
      for (const metric of scopeMetrics.metrics ?? []) {
        const numbers = metric.gauge ?? metric.sum;
        if (numbers) {
          metrics.push({
            resource,
            scope: scopeMetrics.scope?.name,
            name: metric.name,
            unit: metric.unit,
            description: metric.description,
            kind: metric.gauge ? 'gauge' : 'sum',
            temporality: metric.sum ? TEMPORALITY[metric.sum.aggregationTemporality] : undefined,
            isMonotonic: metric.sum ? Boolean(metric.sum.isMonotonic) : undefined,
            points: (numbers.dataPoints ?? []).map((point) => ({
              attributes: attributesOf(point.attributes),
              value: point.asDouble ?? Number(point.asInt ?? 0),
              startTimeUnixNano: BigInt(point.startTimeUnixNano ?? 0),
              timeUnixNano: BigInt(point.timeUnixNano ?? 0),
            })),
          });
          continue;
        }
        if (!metric.histogram) throw new Error(`metric ${metric.name} is neither a histogram, a gauge nor a sum`);
        metrics.push({
          kind: 'histogram',
          resource,
          scope: scopeMetrics.scope?.name,
          name: metric.name,
          unit: metric.unit,
          description: metric.description,
          temporality: TEMPORALITY[metric.histogram.aggregationTemporality] ?? String(metric.histogram.aggregationTemporality),
          points: (metric.histogram.dataPoints ?? []).map((point) => ({
            attributes: attributesOf(point.attributes),
            count: Number(point.count ?? 0),
            sum: point.sum,
            min: point.min,
            max: point.max,
            bucketCounts: (point.bucketCounts ?? []).map(Number),
            explicitBounds: point.explicitBounds ?? [],
            startTimeUnixNano: BigInt(point.startTimeUnixNano ?? 0),
            timeUnixNano: BigInt(point.timeUnixNano ?? 0),
          })),
        });
      }
    }
  }
  return metrics;
}

export function decodeMetricsProto(buf) {
  return normalizeMetricsRequest(ExportMetricsServiceRequest.decode(buf));
}

export function decodeMetricsJson(text) {
  return normalizeMetricsRequest(ExportMetricsServiceRequest.fromObject(JSON.parse(text)));
}
