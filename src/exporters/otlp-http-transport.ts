/**
 * OTLP/HTTP (http/protobuf or http/json): one POST per export to the signal's full URL, over a
 * keep-alive agent, retried as ./http-transport.ts says.
 */
// node:http and node:https are required at the first export, with the keep-alive agent: an app
// that does not load node:http itself (a worker, a CLI tool) would otherwise pay ~5-8 ms of its
// start-up for them, and node:https costs that again where the endpoint is plain HTTP.
import type * as http from 'node:http';
import { log } from '../log';
import { gzipAsync, gzipSync } from './gzip';
import type { OtlpConfig } from '../config/types';
import { bodySnippet, describeFailure, isSuccess, postWithRetry, type PostTarget } from './http-transport';
import { Http1Pool } from './http1-connection';
import { otlpFormatOf, type OtlpTransport, type SendOutcome, type SendProgress } from './otlp-exporter';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, type RetryStopper } from './retry';
import { sendSync, type SyncSendResult, type TlsMaterial } from './sync-send';
import { readTlsMaterial } from './tls-material';
import { USER_AGENT } from './user-agent';

export interface TransportOptions {
  /** Tests shrink the backoff; production uses DEFAULT_RETRY_POLICY. */
  readonly retryPolicy?: RetryPolicy;
}

export class OtlpHttpTransport implements OtlpTransport {
  readonly format: 'protobuf' | 'json';
  readonly endpoint: string;
  private readonly url: URL | undefined;
  private readonly headers: Readonly<Record<string, string>>;
  private agent: http.Agent | undefined;
  /** Plain HTTP goes out without node:http's client, which shares its code with the app's server (./http1-connection.ts). */
  private readonly pool: Http1Pool | undefined;
  private readonly tls: TlsMaterial;
  private readonly retryPolicy: RetryPolicy;

  constructor(
    private readonly config: OtlpConfig,
    options: TransportOptions = {},
  ) {
    this.format = otlpFormatOf(config.protocol);
    this.endpoint = config.endpoint;
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.headers = {
      ...config.headers,
      'content-type': this.format === 'json' ? 'application/json' : 'application/x-protobuf',
      'user-agent': USER_AGENT,
      ...(config.compression === 'gzip' ? { 'content-encoding': 'gzip' } : {}),
    };
    let url: URL | undefined;
    try {
      url = new URL(config.endpoint);
    } catch {
      log.warnOnce('OTELI_W_OTLP_ENDPOINT', `OTLP endpoint "${config.endpoint}" is not a URL; nothing will be exported`);
    }
    // The certificate files are still read here: a bad path is reported at start, not at the first export.
    this.tls = url?.protocol === 'https:' ? readTlsMaterial(config) : {};
    if (url !== undefined && url.protocol !== 'https:' && url.protocol !== 'http:') {
      log.warnOnce('OTELI_W_OTLP_ENDPOINT', `OTLP endpoint "${config.endpoint}" is not http(s)`);
      url = undefined;
    }
    this.url = url;
    this.pool = url?.protocol === 'http:' ? Http1Pool.create(url, this.headers) : undefined;
  }

  get usable(): boolean {
    return this.url !== undefined;
  }

  private postTarget(): PostTarget {
    const url = this.url!;
    if (this.pool !== undefined) return { url, headers: this.headers, pool: this.pool };
    this.agent ??=
      url.protocol === 'https:'
        ? new (require('node:https') as typeof import('node:https')).Agent({ keepAlive: true, ...this.tls })
        : new (require('node:http') as typeof import('node:http')).Agent({ keepAlive: true });
    return { url, agent: this.agent, headers: this.headers };
  }

  async send(encoded: Uint8Array, progress: SendProgress, stopper: RetryStopper): Promise<SendOutcome> {
    const target = this.postTarget();
    const body = this.config.compression === 'gzip' ? await gzipAsync(encoded) : encoded;
    const result = await postWithRetry(target, body, this.config.timeoutMs, this.retryPolicy, Math.random, progress, stopper);
    const { outcome, attempts } = result;
    if (isSuccess(outcome) && outcome.kind === 'response') {
      const contentType = outcome.headers['content-type'];
      const responseIsJson = contentType !== undefined ? contentType.includes('json') : this.format === 'json';
      return { kind: 'delivered', attempts, response: outcome.body, responseIsJson };
    }
    const reason = describeFailure(outcome);
    if (outcome.kind === 'response' && !result.gaveUpRetrying) {
      return { kind: 'rejected', attempts, reason, detail: bodySnippet(outcome.body) || '(empty body)' };
    }
    // The tutorial's endpoint, :4317, with an HTTP protocol: a gRPC receiver's answer is no HTTP/1.1.
    if (reason.startsWith('HPE_') && target.url.port === '4317') {
      log.warnOnce(
        'OTELI_W_GRPC_PORT',
        `${this.endpoint} answered with something that is not HTTP/1.1: port 4317 is the OTLP/gRPC port; use --exporter_otlp_protocol grpc, or send ${this.config.protocol} to port 4318`,
      );
    }
    return { kind: 'failed', attempts, reason };
  }

  sendSync(encoded: Uint8Array, timeoutMs: number): SyncSendResult {
    const body = this.config.compression === 'gzip' ? gzipSync(encoded) : encoded;
    return sendSync({ url: this.url!.href, headers: this.headers, tls: this.tls }, body, timeoutMs);
  }

  close(): void {
    this.agent?.destroy();
    this.pool?.destroy();
  }
}
