/**
 * The transport an OTLP config's protocol names. The gRPC transport, and node:http2 with it, load
 * only when gRPC is chosen.
 */
import type { OtlpConfig } from '../config/types';
import type { OtlpTransport } from './otlp-exporter';
import { OtlpHttpTransport, type TransportOptions } from './otlp-http-transport';

/** `grpcServicePath`: the signal's Export method, used when the protocol is grpc. */
export function createOtlpTransport(config: OtlpConfig, grpcServicePath: string, options: TransportOptions = {}): OtlpTransport {
  if (config.protocol !== 'grpc') return new OtlpHttpTransport(config, options);
  const { OtlpGrpcTransport } = require('./otlp-grpc-transport') as typeof import('./otlp-grpc-transport');
  return new OtlpGrpcTransport(config, grpcServicePath, options);
}
