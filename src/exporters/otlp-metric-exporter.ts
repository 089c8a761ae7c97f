/**
 * The OTLP metric exporter: the metrics signal (ExportMetricsServiceRequest) over the transport
 * the metrics protocol names, with the same endpoint, header, TLS, timeout and retry rules as
 * spans. A backend that does not take metrics is told apart from a failing one (see
 * OtlpSignal.mayBeRefused) and export stops after one warning. The encoder and the transport
 * load at the first export (./create-transport.ts says why).
 */
import type { OtlpConfig } from '../config/types';
import type { MetricExporter } from '../metrics/periodic-reader';
import { pointCount, type MetricsBatch } from '../metrics/registry';
import { OtlpExporter, type OtlpSignal } from './otlp-exporter';
import type { TransportOptions } from './otlp-http-transport';
import { createOtlpTransportWhenUsed } from './create-transport';

export const METRICS_SERVICE_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

const encoder = (): typeof import('./otlp-metrics-encoder') => require('./otlp-metrics-encoder') as typeof import('./otlp-metrics-encoder');

const METRICS: OtlpSignal<MetricsBatch> = {
  items: 'metrics',
  count: pointCount,
  encodeProto: (batch) => encoder().encodeMetricsRequestProto(batch),
  encodeJson: (batch) => encoder().encodeMetricsRequestJson(batch),
  mayBeRefused: true,
};

export class OtlpMetricExporter extends OtlpExporter<MetricsBatch> implements MetricExporter {
  constructor(config: OtlpConfig, options: TransportOptions = {}) {
    super(METRICS, createOtlpTransportWhenUsed(config, METRICS_SERVICE_PATH, options));
  }
}
