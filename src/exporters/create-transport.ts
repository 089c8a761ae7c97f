/**
 * The transport an OTLP config's protocol names, made when the first batch is sent.
 *
 * Start-up loads no transport: node:net's client, the HTTP/1 pool, retries, gzip and the exit
 * path's child process, with the encoders, were about 3.5M instructions of every start (callgrind,
 * Node 24, `--import … -e 0`, main thread: 7 % of what the agent adds; issue #23), and a process
 * may end before it has anything to export. An
 * https endpoint is the exception: its certificate files are read as the transport is made, and
 * a bad path is reported at start, not at the first export. The gRPC transport, and node:http2
 * with it, load only when gRPC is chosen.
 */
import type { OtlpConfig } from '../config/types';
import { otlpFormatOf, type OtlpTransport, type SendProgress, type SendOutcome } from './otlp-exporter';
import type { TransportOptions } from './otlp-http-transport';
import type { RetryStopper } from './retry';
import type { SyncSendResult } from './sync-send';

/** `grpcServicePath`: the signal's Export method, used when the protocol is grpc. */
export function createOtlpTransport(config: OtlpConfig, grpcServicePath: string, options: TransportOptions = {}): OtlpTransport {
  if (config.protocol !== 'grpc') {
    const { OtlpHttpTransport } = require('./otlp-http-transport') as typeof import('./otlp-http-transport');
    return new OtlpHttpTransport(config, options);
  }
  const { OtlpGrpcTransport } = require('./otlp-grpc-transport') as typeof import('./otlp-grpc-transport');
  return new OtlpGrpcTransport(config, grpcServicePath, options);
}

/** createOtlpTransport's transport, made at its first use, or now for an https endpoint. */
export function createOtlpTransportWhenUsed(config: OtlpConfig, grpcServicePath: string, options: TransportOptions = {}): OtlpTransport {
  if (config.endpoint.startsWith('https:')) return createOtlpTransport(config, grpcServicePath, options);
  return new DeferredTransport(config, () => createOtlpTransport(config, grpcServicePath, options));
}

class DeferredTransport implements OtlpTransport {
  readonly format: 'protobuf' | 'json';
  private made: OtlpTransport | undefined;

  constructor(
    config: OtlpConfig,
    private readonly make: () => OtlpTransport,
  ) {
    // Known before the transport is: the trace exporter reads it at once (to prepare spans or not).
    this.format = otlpFormatOf(config.protocol);
  }

  private get transport(): OtlpTransport {
    this.made ??= this.make();
    return this.made;
  }

  /** Read for messages, once there is something to send: gRPC's names the service's method. */
  get endpoint(): string {
    return this.transport.endpoint;
  }

  get usable(): boolean {
    return this.transport.usable;
  }

  send(body: Uint8Array, progress: SendProgress, stopper: RetryStopper): Promise<SendOutcome> {
    return this.transport.send(body, progress, stopper);
  }

  sendSync(body: Uint8Array, timeoutMs: number): SyncSendResult {
    return this.transport.sendSync(body, timeoutMs);
  }

  /** A transport never made has nothing to close. */
  close(): void {
    this.made?.close();
  }
}
