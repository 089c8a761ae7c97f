/**
 * The OTLP span exporter: the trace signal (ExportTraceServiceRequest) over the transport the
 * protocol names.
 */
import type { OtlpConfig } from '../config/types';
import type { PreparedSpan, ReadableSpan, SpanExporter } from '../sdk/types';
import { encodeTraceRequestJson } from './otlp-json-encoder';
import { encodeTraceRequestProto, prepareSpansProto } from './otlp-proto-encoder';
import { createOtlpTransport } from './create-transport';
import { OtlpExporter, type OtlpSignal } from './otlp-exporter';
import type { TransportOptions } from './otlp-http-transport';

export const TRACE_SERVICE_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

type SpanBatch = readonly ReadableSpan[];

const TRACES: OtlpSignal<SpanBatch> = {
  items: 'spans',
  count: (spans) => spans.length,
  encodeProto: encodeTraceRequestProto,
  encodeJson: encodeTraceRequestJson,
};

export class OtlpTraceExporter extends OtlpExporter<SpanBatch> implements SpanExporter {
  /** Over protobuf (http/protobuf, gRPC): spans are encoded as they queue, a few dozen at a time. */
  readonly prepare: ((spans: readonly ReadableSpan[]) => PreparedSpan[]) | undefined;

  constructor(config: OtlpConfig, options: TransportOptions = {}) {
    const transport = createOtlpTransport(config, TRACE_SERVICE_PATH, options);
    super(TRACES, transport);
    this.prepare = transport.format === 'protobuf' ? prepareSpansProto : undefined;
  }
}
