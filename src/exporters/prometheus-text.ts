/**
 * A collection in the Prometheus text exposition format (0.0.4), with the name mapping of the
 * OpenTelemetry-to-Prometheus compatibility spec:
 * - metric names: characters outside [a-zA-Z0-9_:] become `_` (runs of them one `_`), and the
 *   unit becomes a suffix (`s` → `_seconds`): http.server.request.duration →
 *   http_server_request_duration_seconds;
 * - label names likewise, without `:`; each point also carries otel_scope_name and
 *   otel_scope_version, since two scopes may record the same metric with the same attributes
 *   (http and undici both record http.client.request.duration);
 * - histograms as _bucket{le="…"} (cumulative counts, up to le="+Inf"), _sum and _count;
 * - gauges and non-monotonic sums as gauges;
 * - the resource as one target_info gauge.
 * Prometheus is cumulative: the registry is collected with cumulative temporality for it.
 */
import type { Attributes } from '../sdk/types';
import type { HistogramPoint } from '../metrics/histogram';
import type { MetricsBatch } from '../metrics/registry';

const UNIT_SUFFIXES: Readonly<Record<string, string>> = { s: 'seconds', ms: 'milliseconds', By: 'bytes', '1': 'ratio' };

function sanitize(name: string, allowed: RegExp): string {
  const cleaned = name.replace(allowed, '_').replace(/__+/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

export function prometheusMetricName(name: string, unit: string): string {
  const base = sanitize(name, /[^a-zA-Z0-9_:]/g);
  const suffix = UNIT_SUFFIXES[unit];
  return suffix === undefined || base.endsWith(`_${suffix}`) ? base : `${base}_${suffix}`;
}

export function prometheusLabelName(name: string): string {
  return sanitize(name, /[^a-zA-Z0-9_]/g);
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelPairs(attributes: Attributes): string[] {
  const pairs: string[] = [];
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    const text = Array.isArray(value) ? JSON.stringify(value) : String(value);
    pairs.push(`${prometheusLabelName(key)}="${escapeLabelValue(text)}"`);
  }
  return pairs;
}

function formatNumber(value: number): string {
  return value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : Number.isNaN(value) ? 'NaN' : String(value);
}

function histogramLines(name: string, point: HistogramPoint, boundaries: readonly number[], scopeLabels: string[]): string[] {
  const labels = [...labelPairs(point.attributes), ...scopeLabels];
  const braces = (extra: string[] = []): string => {
    const all = [...labels, ...extra];
    return all.length === 0 ? '' : `{${all.join(',')}}`;
  };
  const lines: string[] = [];
  let cumulative = 0;
  for (let i = 0; i < point.bucketCounts.length; i++) {
    cumulative += point.bucketCounts[i]!;
    const le = i < boundaries.length ? formatNumber(boundaries[i]!) : '+Inf';
    lines.push(`${name}_bucket${braces([`le="${le}"`])} ${cumulative}`);
  }
  lines.push(`${name}_sum${braces()} ${formatNumber(point.sum)}`);
  lines.push(`${name}_count${braces()} ${point.count}`);
  return lines;
}

export function prometheusText(batch: MetricsBatch): string {
  const families = new Map<string, { help: string; type: string; lines: string[] }>();
  const familyOf = (name: string, help: string, type: string): { lines: string[] } => {
    let family = families.get(name);
    if (family === undefined) families.set(name, (family = { help, type, lines: [] }));
    return family;
  };
  for (const { scope, histograms, observed } of batch.scopes) {
    const scopeLabels = [`otel_scope_name="${escapeLabelValue(scope.name)}"`, `otel_scope_version="${escapeLabelValue(scope.version)}"`];
    for (const { definition, points } of histograms) {
      const name = prometheusMetricName(definition.name, definition.unit);
      const family = familyOf(name, definition.description, 'histogram');
      for (const point of points) family.lines.push(...histogramLines(name, point, definition.boundaries, scopeLabels));
    }
    // Gauges, and non-monotonic sums, which Prometheus also calls gauges.
    for (const { definition, observations } of observed) {
      const name = prometheusMetricName(definition.name, definition.unit);
      const family = familyOf(name, definition.description, 'gauge');
      for (const { attributes, value } of observations) family.lines.push(`${name}{${[...labelPairs(attributes), ...scopeLabels].join(',')}} ${formatNumber(value)}`);
    }
  }
  const out: string[] = ['# HELP target_info Target metadata', '# TYPE target_info gauge', `target_info{${labelPairs(batch.resource.attributes).join(',')}} 1`];
  for (const [name, family] of families) {
    out.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`, ...family.lines);
  }
  return `${out.join('\n')}\n`;
}
