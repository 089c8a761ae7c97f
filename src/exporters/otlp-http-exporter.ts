/**
 * OTLP/HTTP span exporter (http/protobuf or http/json).
 *
 * Every request runs under suppressTracing so our own http instrumentation never traces the
 * export (which would feed itself). export() never rejects; failures are logged once per
 * reason with a stable code and reported as FAILED. exportSync() is the process.exit() path:
 * it hands one POST to a short-lived child process and waits for it (see sync-send.ts).
 */
// node:https and node:zlib are required where used: most set-ups export over plain HTTP without
// gzip, and loading them costs ~6 ms of every app's start-up.
import * as fs from 'node:fs';
import * as http from 'node:http';
import { context } from '@opentelemetry/api';
import { log } from '../log';
import type { OtlpConfig } from '../config/types';
import { suppressTracing } from '../sdk/suppress-tracing';
import { ExportResultCode, type ExportResult, type ReadableSpan, type SpanExporter } from '../sdk/types';
import { encodeTraceRequestProto } from './otlp-proto-encoder';
import { encodeTraceRequestJson } from './otlp-json-encoder';
import {
  DEFAULT_RETRY_POLICY,
  bodySnippet,
  describeFailure,
  isSuccess,
  postWithRetry,
  RetryStopper,
  type SendProgress,
  type PostResult,
  type PostTarget,
  type RetryPolicy,
} from './http-transport';
import { sendSync, type TlsMaterial } from './sync-send';

export interface OtlpHttpExporterOptions {
  /** Tests shrink the backoff; production uses DEFAULT_RETRY_POLICY. */
  readonly retryPolicy?: RetryPolicy;
}

function packageVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return String((require('../../package.json') as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

function gzipAsync(body: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => (require('node:zlib') as typeof import('node:zlib')).gzip(body, (err, out) => (err ? reject(err) : resolve(out))));
}

function failed(message: string): ExportResult {
  return { code: ExportResultCode.FAILED, error: new Error(message) };
}

const SUCCESS: ExportResult = { code: ExportResultCode.SUCCESS };

export class OtlpHttpExporter implements SpanExporter {
  private readonly url: URL | undefined;
  private readonly agent: http.Agent | undefined;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly tls: TlsMaterial;
  private readonly retryPolicy: RetryPolicy;
  private readonly pending = new Set<Promise<ExportResult>>();
  /** Per in-flight batch: has its body reached the socket? (see SpanExporter.isHandedOff) */
  private readonly retryStopper = new RetryStopper();
  private readonly progressByBatch = new WeakMap<readonly ReadableSpan[], SendProgress>();
  /** Statuses already warned about, so a collector answering 400 to every batch warns once. */
  private readonly warnedStatuses = new Set<number>();
  private warnedPartialSuccess = false;
  private isShutdown = false;

  constructor(
    private readonly config: OtlpConfig,
    options: OtlpHttpExporterOptions = {},
  ) {
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.headers = {
      ...config.headers,
      'content-type': config.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
      'user-agent': `otel-instrument/${packageVersion()}`,
      ...(config.compression === 'gzip' ? { 'content-encoding': 'gzip' } : {}),
    };
    try {
      this.url = new URL(config.endpoint);
    } catch {
      log.warnOnce('OTELI_W_OTLP_ENDPOINT', `OTLP endpoint "${config.endpoint}" is not a URL; spans will not be exported`);
    }
    this.tls = this.url?.protocol === 'https:' ? readTlsMaterial(config) : {};
    if (this.url?.protocol === 'https:') this.agent = new (require('node:https') as typeof import('node:https')).Agent({ keepAlive: true, ...this.tls });
    else if (this.url?.protocol === 'http:') this.agent = new http.Agent({ keepAlive: true });
    else if (this.url) log.warnOnce('OTELI_W_OTLP_ENDPOINT', `OTLP endpoint "${config.endpoint}" is not http(s)`);
  }

  export(spans: readonly ReadableSpan[]): Promise<ExportResult> {
    if (this.isShutdown) return Promise.resolve(failed('exporter is shut down'));
    if (spans.length === 0) return Promise.resolve(SUCCESS);
    const target = this.target();
    if (target === undefined) return Promise.resolve(failed(`no usable OTLP endpoint (${this.config.endpoint})`));

    const done = context.with(suppressTracing(context.active()), () => this.send(target, spans));
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
    return done;
  }

  /**
   * The process is exiting: a failed attempt is final from now on, so the last flush ends as soon
   * as the collector proves unreachable instead of holding the exit for the whole backoff.
   */
  prepareForExit(): void {
    this.retryStopper.stop();
  }

  isHandedOff(spans: readonly ReadableSpan[]): boolean {
    return this.progressByBatch.get(spans)?.written === true;
  }

  exportSync(spans: readonly ReadableSpan[], timeoutMs: number): void {
    const target = this.target();
    if (this.isShutdown || spans.length === 0 || target === undefined) return;
    try {
      const encoded = this.encode(spans);
      const body = this.config.compression === 'gzip' ? (require('node:zlib') as typeof import('node:zlib')).gzipSync(encoded) : encoded;
      const result = sendSync({ url: target.url.href, headers: target.headers, tls: this.tls }, body, timeoutMs);
      if (result.ok) log.debug(`exported ${spans.length} spans synchronously`);
      else log.warnOnce('OTELI_W_EXPORT_SYNC', `synchronous export of the last spans failed: ${result.reason}`);
    } catch (err) {
      log.errorOnce('OTELI_E_EXPORT_SYNC', 'synchronous export crashed', err);
    }
  }

  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    this.isShutdown = true;
    await Promise.all(this.pending);
    this.agent?.destroy();
  }

  private target(): PostTarget | undefined {
    if (this.url === undefined || this.agent === undefined) return undefined;
    return { url: this.url, agent: this.agent, headers: this.headers };
  }

  private encode(spans: readonly ReadableSpan[]): Uint8Array {
    return this.config.protocol === 'http/json'
      ? Buffer.from(encodeTraceRequestJson(spans), 'utf8')
      : encodeTraceRequestProto(spans);
  }

  private async send(target: PostTarget, spans: readonly ReadableSpan[]): Promise<ExportResult> {
    try {
      const encoded = this.encode(spans);
      const body = this.config.compression === 'gzip' ? await gzipAsync(encoded) : encoded;
      const progress: SendProgress = { written: false };
      this.progressByBatch.set(spans, progress);
      const result = await postWithRetry(
        target, body, this.config.timeoutMs, this.retryPolicy, Math.random, progress, this.retryStopper,
      );
      return this.interpret(result, spans.length);
    } catch (err) {
      log.errorOnce('OTELI_E_EXPORT', 'exporting spans crashed', err);
      return failed(err instanceof Error ? err.message : String(err));
    }
  }

  private interpret(result: PostResult, spanCount: number): ExportResult {
    const { outcome } = result;
    if (isSuccess(outcome) && outcome.kind === 'response') {
      this.checkPartialSuccess(outcome.body, outcome.headers['content-type']);
      log.debug(`exported ${spanCount} spans in ${result.attempts} attempt(s)`);
      return SUCCESS;
    }
    const reason = describeFailure(outcome);
    if (outcome.kind === 'response' && !result.gaveUpRetrying) {
      if (!this.warnedStatuses.has(outcome.statusCode)) {
        this.warnedStatuses.add(outcome.statusCode);
        log.warnOnce(
          'OTELI_W_EXPORT_REJECTED',
          `${this.config.endpoint} rejected spans with ${reason} (not retried): ${bodySnippet(outcome.body) || '(empty body)'}`,
        );
      }
    } else {
      log.warnOnce('OTELI_W_EXPORT_FAILED', `exporting spans to ${this.config.endpoint} failed: ${reason}`);
      // The tutorial's endpoint, :4317, with an HTTP protocol: a gRPC receiver's answer is no HTTP/1.1.
      if (reason.startsWith('HPE_') && this.url?.port === '4317') {
        log.warnOnce(
          'OTELI_W_GRPC_PORT',
          `${this.config.endpoint} answered with something that is not HTTP/1.1: port 4317 is the OTLP/gRPC port; send http/protobuf to port 4318 (gRPC export is not implemented yet)`,
        );
      }
    }
    return failed(`${reason} after ${result.attempts} attempt(s)`);
  }

  private checkPartialSuccess(body: Buffer, contentType: string | undefined): void {
    if (this.warnedPartialSuccess || body.length === 0) return;
    const isJson = contentType !== undefined ? contentType.includes('json') : this.config.protocol === 'http/json';
    const partial = parsePartialSuccess(body, isJson);
    if (partial === undefined) return;
    this.warnedPartialSuccess = true;
    log.warnOnce(
      'OTELI_W_EXPORT_PARTIAL',
      `the collector rejected ${partial.rejectedSpans} span(s): ${partial.errorMessage || '(no message)'}`,
    );
  }
}

/** Reads the PEM files once; an unreadable file warns and is left out (the handshake decides). */
function readTlsMaterial(config: OtlpConfig): TlsMaterial {
  const read = (file: string | undefined, what: string): Buffer | undefined => {
    if (!file) return undefined;
    try {
      return fs.readFileSync(file);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      log.warnOnce('OTELI_W_OTLP_TLS_FILE', `cannot read the OTLP ${what} file "${file}", continuing without it: ${detail}`);
      return undefined;
    }
  };
  const tls: { ca?: Buffer; key?: Buffer; cert?: Buffer } = {};
  const ca = read(config.certificateFile, 'certificate');
  const key = read(config.clientKeyFile, 'client key');
  const cert = read(config.clientCertificateFile, 'client certificate');
  if (ca) tls.ca = ca;
  if (key) tls.key = key;
  if (cert) tls.cert = cert;
  return tls;
}

interface PartialSuccess {
  readonly rejectedSpans: string;
  readonly errorMessage: string;
}

/**
 * partial_success of an ExportTraceServiceResponse, or undefined when absent, empty (the spec's
 * "full success") or unreadable. Collectors and proxies answer with anything, so every read is
 * bounds-checked and a malformed body simply yields undefined.
 */
export function parsePartialSuccess(body: Buffer, isJson: boolean): PartialSuccess | undefined {
  try {
    return isJson ? partialFromJson(body) : partialFromProto(body);
  } catch {
    return undefined;
  }
}

function meaningful(rejectedSpans: string, errorMessage: string): PartialSuccess | undefined {
  return rejectedSpans === '0' && errorMessage === '' ? undefined : { rejectedSpans, errorMessage };
}

function partialFromJson(body: Buffer): PartialSuccess | undefined {
  const parsed: unknown = JSON.parse(body.toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const partial = (parsed as Record<string, unknown>).partialSuccess;
  if (typeof partial !== 'object' || partial === null) return undefined;
  const { rejectedSpans, errorMessage } = partial as Record<string, unknown>;
  const rejected = typeof rejectedSpans === 'number' || typeof rejectedSpans === 'string' ? String(rejectedSpans) : '0';
  return meaningful(rejected, typeof errorMessage === 'string' ? errorMessage : '');
}

/** A minimal protobuf reader: varints and length-delimited fields, skipping the rest. */
class ProtoReader {
  pos = 0;
  constructor(readonly buf: Buffer, readonly end = buf.length) {}

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new RangeError('varint too long');
  }

  lengthDelimited(): { start: number; end: number } {
    const length = Number(this.varint());
    const start = this.pos;
    if (length > this.end - start) throw new RangeError('field overruns its message');
    this.pos = start + length;
    return { start, end: this.pos };
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.advance(8);
    else if (wireType === 2) this.lengthDelimited();
    else if (wireType === 5) this.advance(4);
    else throw new RangeError(`unsupported wire type ${wireType}`);
  }

  private advance(bytes: number): void {
    if (bytes > this.end - this.pos) throw new RangeError('truncated field');
    this.pos += bytes;
  }
}

function partialFromProto(body: Buffer): PartialSuccess | undefined {
  const response = new ProtoReader(body);
  while (response.pos < response.end) {
    const tag = Number(response.varint());
    if (tag !== ((1 << 3) | 2)) {
      response.skip(tag & 7);
      continue;
    }
    const { start, end } = response.lengthDelimited();
    const partial = new ProtoReader(body, end);
    partial.pos = start;
    let rejected = 0n;
    let message = '';
    while (partial.pos < partial.end) {
      const innerTag = Number(partial.varint());
      if (innerTag === ((1 << 3) | 0)) rejected = BigInt.asIntN(64, partial.varint());
      else if (innerTag === ((2 << 3) | 2)) {
        const field = partial.lengthDelimited();
        message = body.toString('utf8', field.start, field.end);
      } else partial.skip(innerTag & 7);
    }
    return meaningful(rejected.toString(), message);
  }
  return undefined;
}
