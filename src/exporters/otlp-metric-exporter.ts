/**
 * The OTLP metric exporter: the metrics signal (ExportMetricsServiceRequest) over the transport
 * the metrics protocol names, with the same endpoint, header, TLS, timeout and retry rules as
 * spans. A backend that does not take metrics is told apart from a failing one (see
 * OtlpSignal.mayBeRefused) and export stops after one warning.
 */
import type { OtlpConfig } from '../config/types';
import type { MetricExporter } from '../metrics/periodic-reader';
import { pointCount, type MetricsBatch } from '../metrics/registry';
import { encodeMetricsRequestJson, encodeMetricsRequestProto } from './otlp-metrics-encoder';
import { OtlpExporter, type OtlpSignal } from './otlp-exporter';
import type { TransportOptions } from './otlp-http-transport';
import { createOtlpTransport } from './create-transport';

export const METRICS_SERVICE_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

const METRICS: OtlpSignal<MetricsBatch> = {
  items: 'metrics',
  count: pointCount,
  encodeProto: encodeMetricsRequestProto,
  encodeJson: encodeMetricsRequestJson,
  mayBeRefused: true,
};

export class OtlpMetricExporter extends OtlpExporter<MetricsBatch> implements MetricExporter {
  constructor(config: OtlpConfig, options: TransportOptions = {}) {
    super(METRICS, createOtlpTransport(config, METRICS_SERVICE_PATH, options));
  }
}
