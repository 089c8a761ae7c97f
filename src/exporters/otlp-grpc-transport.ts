/**
 * OTLP/gRPC: a unary Export call per batch to the signal's service over one long-lived HTTP/2
 * connection (./grpc-transport.ts), retried as the OTLP spec says for gRPC (CANCELLED,
 * DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS; RESOURCE_EXHAUSTED only with
 * RetryInfo, after its delay). Loaded only when gRPC is chosen, with node:http2.
 */
import { log } from '../log';
import { gzipAsync, gzipSync } from './gzip';
import type { OtlpConfig } from '../config/types';
import { GrpcChannel, describeCallFailure, judgeCall, GRPC_STATUS, type UnaryCall } from './grpc-transport';
import type { OtlpTransport, SendOutcome, SendProgress } from './otlp-exporter';
import type { TransportOptions } from './otlp-http-transport';
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy, type RetryStopper } from './retry';
import { sendSync, type SyncSendResult, type TlsMaterial } from './sync-send';
import { readTlsMaterial } from './tls-material';
import { USER_AGENT } from './user-agent';

export class OtlpGrpcTransport implements OtlpTransport {
  readonly format = 'protobuf' as const;
  readonly endpoint: string;
  private readonly origin: URL | undefined;
  private readonly channel: GrpcChannel | undefined;
  private readonly tls: TlsMaterial;
  private readonly retryPolicy: RetryPolicy;

  /** `servicePath`: the signal's Export method, e.g. /opentelemetry.proto.collector.trace.v1.TraceService/Export. */
  constructor(
    private readonly config: OtlpConfig,
    private readonly servicePath: string,
    options: TransportOptions = {},
  ) {
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    let origin: URL | undefined;
    try {
      origin = new URL(config.endpoint);
      if (origin.protocol !== 'http:' && origin.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      origin = undefined;
      log.warnOnce('OTELI_W_OTLP_ENDPOINT', `OTLP endpoint "${config.endpoint}" is not an http(s) URL; nothing will be exported`);
    }
    this.origin = origin;
    this.endpoint = origin !== undefined ? `${origin.origin}${servicePath}` : config.endpoint;
    this.tls = origin?.protocol === 'https:' ? readTlsMaterial(config) : {};
    this.channel = origin !== undefined ? new GrpcChannel(origin, this.tls) : undefined;
  }

  get usable(): boolean {
    return this.channel !== undefined;
  }

  async send(encoded: Uint8Array, progress: SendProgress, stopper: RetryStopper): Promise<SendOutcome> {
    const channel = this.channel!;
    const call = this.callFor(this.config.compression === 'gzip' ? await gzipAsync(encoded) : encoded);
    const result = await withRetries((remainingMs) => channel.call(call, remainingMs, progress), judgeCall, {
      timeoutMs: this.config.timeoutMs,
      policy: this.retryPolicy,
      stopper,
      onRetry: () => (progress.written = false),
    });
    const { outcome, attempts } = result;
    if (outcome.kind === 'status' && outcome.code === GRPC_STATUS.OK) {
      return { kind: 'delivered', attempts, response: outcome.response, responseIsJson: false };
    }
    const reason = describeCallFailure(outcome);
    if (outcome.kind === 'status' && !result.gaveUpRetrying) {
      return { kind: 'rejected', attempts, reason, detail: outcome.message || '(no message)' };
    }
    const detail = outcome.kind === 'status' && outcome.message !== '' ? `${reason} (${outcome.message})` : reason;
    return { kind: 'failed', attempts, reason: detail };
  }

  sendSync(encoded: Uint8Array, timeoutMs: number): SyncSendResult {
    const compressed = this.config.compression === 'gzip';
    const message = compressed ? gzipSync(encoded) : encoded;
    return sendSync(
      { url: this.origin!.href, headers: this.config.headers, tls: this.tls, grpc: { path: this.servicePath, compressed } },
      message,
      timeoutMs,
    );
  }

  close(): void {
    this.channel?.close();
  }

  private callFor(message: Uint8Array): UnaryCall {
    return {
      path: this.servicePath,
      metadata: this.config.headers,
      userAgent: USER_AGENT,
      message,
      compressed: this.config.compression === 'gzip',
    };
  }
}
