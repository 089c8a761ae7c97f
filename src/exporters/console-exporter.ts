/**
 * A human-readable exporter for OTEL_TRACES_EXPORTER=console: one tree per trace, on stderr so
 * the app's stdout stays byte-identical (apps piping their stdout must not see our output).
 *
 *   trace 0af7651916cd43dd8448eb211c80319c  service=shop  3 spans
 *   GET /users/:id  SERVER  12.3 ms  http.response.status_code=200 url.path=/users/7
 *   └─ SELECT users  CLIENT  4.1 ms  db.system.name=postgresql
 */
import * as fs from 'node:fs';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { log } from '../log';
import { ExportResultCode, type ExportResult, type ReadableSpan, type SpanExporter } from '../sdk/types';

const MAX_ATTRIBUTES_PER_LINE = 4;
const MAX_VALUE_CHARS = 60;

/** Shown first when present: what a reader scans a trace for. Others fill remaining slots. */
const KEY_ATTRIBUTES = [
  'http.response.status_code',
  'http.route',
  'url.full',
  'url.path',
  'db.system.name',
  'db.query.text',
  'server.address',
  'error.type',
];

const KIND_NAMES: Record<number, string> = {
  [SpanKind.INTERNAL]: 'INTERNAL',
  [SpanKind.SERVER]: 'SERVER',
  [SpanKind.CLIENT]: 'CLIENT',
  [SpanKind.PRODUCER]: 'PRODUCER',
  [SpanKind.CONSUMER]: 'CONSUMER',
};

function truncate(text: string, maxChars: number): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > maxChars ? `${oneLine.slice(0, maxChars - 1)}…` : oneLine;
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return truncate(`[${value.map(String).join(',')}]`, MAX_VALUE_CHARS);
  return truncate(String(value), MAX_VALUE_CHARS);
}

function attributeSummary(span: ReadableSpan): string {
  const keys: string[] = KEY_ATTRIBUTES.filter((key) => span.attributes[key] !== undefined);
  for (const key of Object.keys(span.attributes)) {
    if (keys.length >= MAX_ATTRIBUTES_PER_LINE) break;
    if (!keys.includes(key) && span.attributes[key] !== undefined) keys.push(key);
  }
  return keys
    .slice(0, MAX_ATTRIBUTES_PER_LINE)
    .map((key) => `${key}=${formatValue(span.attributes[key])}`)
    .join(' ');
}

function spanLine(span: ReadableSpan, orphanParentId: string | undefined): string {
  const durationMs = Math.max(0, span.endTimeUnixMs - span.startTimeUnixMs);
  const parts = [truncate(span.name, 120), KIND_NAMES[span.kind] ?? String(span.kind), `${durationMs.toFixed(1)} ms`];
  if (span.status.code === SpanStatusCode.ERROR) {
    parts.push(span.status.message ? `ERROR(${truncate(span.status.message, MAX_VALUE_CHARS)})` : 'ERROR');
  }
  if (orphanParentId !== undefined) parts.push(`(parent ${orphanParentId})`);
  const attributes = attributeSummary(span);
  if (attributes) parts.push(attributes);
  return parts.join('  ');
}

function byStartTime(a: ReadableSpan, b: ReadableSpan): number {
  return a.startTimeUnixMs - b.startTimeUnixMs;
}

/** The whole batch as text, one tree per trace id, in order of first appearance. */
export function formatTraceTrees(spans: readonly ReadableSpan[]): string {
  const traces = new Map<string, ReadableSpan[]>();
  for (const span of spans) {
    const traceId = span.spanContext().traceId;
    const list = traces.get(traceId);
    if (list) list.push(span);
    else traces.set(traceId, [span]);
  }

  const lines: string[] = [];
  for (const [traceId, traceSpans] of traces) {
    const ids = new Set(traceSpans.map((s) => s.spanContext().spanId));
    const children = new Map<string, ReadableSpan[]>();
    const roots: ReadableSpan[] = [];
    for (const span of traceSpans) {
      const parentId = span.parentSpanId;
      if (parentId !== undefined && ids.has(parentId) && parentId !== span.spanContext().spanId) {
        const siblings = children.get(parentId);
        if (siblings) siblings.push(span);
        else children.set(parentId, [span]);
      } else roots.push(span);
    }

    const service = traceSpans[0]?.resource.attributes['service.name'];
    const count = traceSpans.length;
    lines.push(`trace ${traceId}  service=${service ?? 'unknown'}  ${count} span${count === 1 ? '' : 's'}`);

    const printed = new Set<string>();
    const walk = (span: ReadableSpan, prefix: string, branch: string, childPrefix: string): void => {
      const spanId = span.spanContext().spanId;
      if (printed.has(spanId)) return; // a malformed batch with a parent cycle must not loop
      printed.add(spanId);
      const orphanOf = span.parentSpanId !== undefined && !ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
      lines.push(`${prefix}${branch}${spanLine(span, orphanOf)}`);
      const kids = (children.get(spanId) ?? []).sort(byStartTime);
      kids.forEach((kid, i) => {
        const last = i === kids.length - 1;
        walk(kid, prefix + childPrefix, last ? '└─ ' : '├─ ', last ? '   ' : '│  ');
      });
    };
    for (const root of roots.sort(byStartTime)) walk(root, '', '', '');
    // Spans only reachable through a cycle were never printed: show them flat rather than lose them.
    for (const span of traceSpans) walk(span, '', '', '');
  }
  return `${lines.join('\n')}\n`;
}

export class ConsoleSpanExporter implements SpanExporter {
  private isShutdown = false;

  export(spans: readonly ReadableSpan[]): Promise<ExportResult> {
    if (this.isShutdown) return Promise.resolve({ code: ExportResultCode.FAILED, error: new Error('exporter is shut down') });
    if (spans.length === 0) return Promise.resolve({ code: ExportResultCode.SUCCESS });
    try {
      process.stderr.write(formatTraceTrees(spans));
      return Promise.resolve({ code: ExportResultCode.SUCCESS });
    } catch (err) {
      log.errorOnce('OTELI_E_CONSOLE_EXPORT', 'printing spans failed', err);
      return Promise.resolve({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  /** At 'exit', process.stderr may be async (a pipe): write to fd 2 directly so nothing is lost. */
  exportSync(spans: readonly ReadableSpan[]): boolean {
    if (this.isShutdown) return false;
    if (spans.length === 0) return true;
    try {
      fs.writeSync(2, formatTraceTrees(spans));
      return true;
    } catch (err) {
      log.errorOnce('OTELI_E_CONSOLE_EXPORT', 'printing spans failed', err);
      return false;
    }
  }

  shutdown(): Promise<void> {
    this.isShutdown = true;
    return Promise.resolve();
  }
}
