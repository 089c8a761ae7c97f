/**
 * The OTLP span exporter: the trace signal (ExportTraceServiceRequest) over the transport the
 * protocol names. The gRPC transport, and node:http2 with it, load only when gRPC is chosen.
 */
import type { OtlpConfig } from '../config/types';
import type { ReadableSpan, SpanExporter } from '../sdk/types';
import { encodeTraceRequestJson } from './otlp-json-encoder';
import { encodeTraceRequestProto } from './otlp-proto-encoder';
import { OtlpExporter, type OtlpSignal, type OtlpTransport } from './otlp-exporter';
import { OtlpHttpTransport, type TransportOptions } from './otlp-http-transport';

export const TRACE_SERVICE_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

type SpanBatch = readonly ReadableSpan[];

const TRACES: OtlpSignal<SpanBatch> = {
  items: 'spans',
  count: (spans) => spans.length,
  encodeProto: encodeTraceRequestProto,
  encodeJson: encodeTraceRequestJson,
};

export function createOtlpTransport(config: OtlpConfig, grpcServicePath: string, options: TransportOptions = {}): OtlpTransport {
  if (config.protocol !== 'grpc') return new OtlpHttpTransport(config, options);
  const { OtlpGrpcTransport } = require('./otlp-grpc-transport') as typeof import('./otlp-grpc-transport');
  return new OtlpGrpcTransport(config, grpcServicePath, options);
}

export class OtlpTraceExporter extends OtlpExporter<SpanBatch> implements SpanExporter {
  constructor(config: OtlpConfig, options: TransportOptions = {}) {
    super(TRACES, createOtlpTransport(config, TRACE_SERVICE_PATH, options));
  }
}
