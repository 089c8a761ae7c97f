/**
 * The OTLP span exporter: the trace signal (ExportTraceServiceRequest) over the transport the
 * protocol names. The encoders and the transport load at the first export (./create-transport.ts
 * says why).
 */
import type { OtlpConfig } from '../config/types';
import type { PreparedSpan, ReadableSpan, SpanExporter } from '../sdk/types';
import { createOtlpTransportWhenUsed } from './create-transport';
import { OtlpExporter, type OtlpSignal } from './otlp-exporter';
import type { TransportOptions } from './otlp-http-transport';

export const TRACE_SERVICE_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

type SpanBatch = readonly ReadableSpan[];

let protoEncoder: typeof import('./otlp-proto-encoder') | undefined;
const proto = (): typeof import('./otlp-proto-encoder') => (protoEncoder ??= require('./otlp-proto-encoder') as typeof import('./otlp-proto-encoder'));

const TRACES: OtlpSignal<SpanBatch> = {
  items: 'spans',
  count: (spans) => spans.length,
  encodeProto: (spans) => proto().encodeTraceRequestProto(spans),
  encodeJson: (spans) => (require('./otlp-json-encoder') as typeof import('./otlp-json-encoder')).encodeTraceRequestJson(spans),
};

export class OtlpTraceExporter extends OtlpExporter<SpanBatch> implements SpanExporter {
  /** Over protobuf (http/protobuf, gRPC): each span is encoded as it ends (./otlp-proto-prepared.ts). */
  readonly prepare: ((span: ReadableSpan) => PreparedSpan) | undefined;
  private preparer: import('./otlp-proto-prepared').SpanPreparer | undefined;

  constructor(config: OtlpConfig, options: TransportOptions = {}) {
    const transport = createOtlpTransportWhenUsed(config, TRACE_SERVICE_PATH, options);
    super(TRACES, transport);
    this.prepare = transport.format === 'protobuf' ? (span) => (this.preparer ??= this.newPreparer()).prepare(span) : undefined;
  }

  private newPreparer(): import('./otlp-proto-prepared').SpanPreparer {
    const { SpanPreparer } = require('./otlp-proto-prepared') as typeof import('./otlp-proto-prepared');
    return new SpanPreparer();
  }
}
