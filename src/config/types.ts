/**
 * The frozen configuration the preload builds once from the environment (src/config/index.ts).
 * Everything downstream reads this, never process.env.
 */
import type { LogLevel } from '../log';

export type PropagatorName = 'tracecontext' | 'baggage' | 'b3' | 'b3multi';
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';
export type TracesExporterName = 'otlp' | 'console';
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

export interface OtlpConfig {
  /**
   * HTTP: the full URL spans are POSTed to (a generic endpoint already has /v1/traces appended).
   * gRPC: the server's origin, http: (plain text) or https: (TLS).
   */
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
  /** No protocol was set and the endpoint's port is 4317: gRPC was chosen for it. */
  readonly protocolInferred: boolean;
  /** Header names lower-cased, values percent-decoded. */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly compression: 'gzip' | 'none';
  /** File paths (PEM) for TLS, as given. */
  readonly certificateFile?: string;
  readonly clientKeyFile?: string;
  readonly clientCertificateFile?: string;
}

export type MetricsExporterName = 'otlp' | 'console' | 'prometheus';

export interface MetricsConfig {
  /** OTEL_METRICS_EXPORTER; empty for `none`. */
  readonly exporters: readonly MetricsExporterName[];
  /** The OTLP settings for metrics: OTEL_EXPORTER_OTLP_METRICS_* over the generic ones. */
  readonly otlp: OtlpConfig;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** From OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE (lowmemory is delta for histograms). */
  readonly temporality: 'cumulative' | 'delta';
  /** OTEL_NODE_METRICS_CARDINALITY_LIMIT: attribute sets per metric, overflow point included. */
  readonly cardinalityLimit: number;
  /** OTEL_NODE_RUNTIME_METRICS: the Node.js runtime metrics too (src/metrics/runtime.ts). */
  readonly runtime: boolean;
  /** OTEL_EXPORTER_PROMETHEUS_HOST / _PORT: where the pull endpoint listens. */
  readonly prometheus: { readonly host: string; readonly port: number };
}

export interface BatchProcessorConfig {
  readonly scheduleDelayMs: number;
  readonly exportTimeoutMs: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  /** Shortest time between two reports of lost spans (OTEL_NODE_LOSS_REPORT_INTERVAL). */
  readonly lossReportIntervalMs: number;
}

export interface SpanLimits {
  readonly attributeCountLimit: number;
  /** Infinity when unlimited. */
  readonly attributeValueLengthLimit: number;
  readonly eventCountLimit: number;
  readonly linkCountLimit: number;
  readonly attributePerEventCountLimit: number;
  readonly attributePerLinkCountLimit: number;
}

export interface HttpInstrumentationConfig {
  /** Path patterns not traced (OTEL_NODE_HTTP_EXCLUDED_URLS). `*` matches any run of characters. */
  readonly excludedUrls: readonly string[];
  /** Header names (lower-case) captured as http.request.header.<name> / http.response.header.<name>. */
  readonly captureHeaders: {
    readonly serverRequest: readonly string[];
    readonly serverResponse: readonly string[];
    readonly clientRequest: readonly string[];
    readonly clientResponse: readonly string[];
  };
  /**
   * OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: the methods reported as themselves in
   * http.request.method (case-sensitive); any other is `_OTHER`. Replaces the default set.
   */
  readonly knownMethods: readonly string[];
}

export interface Config {
  readonly sdkDisabled: boolean;
  readonly logLevel: LogLevel;
  /** OTEL_SERVICE_NAME; undefined lets OTEL_RESOURCE_ATTRIBUTES or the default decide. */
  readonly serviceName: string | undefined;
  /** OTEL_RESOURCE_ATTRIBUTES, percent-decoded. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** In order; empty for `none`. */
  readonly propagators: readonly PropagatorName[];
  readonly sampler: SamplerName;
  /** The ratio for the traceidratio samplers, in [0, 1]. */
  readonly samplerRatio: number;
  /** Empty for `none`. */
  readonly tracesExporters: readonly TracesExporterName[];
  readonly otlp: OtlpConfig;
  readonly bsp: BatchProcessorConfig;
  readonly spanLimits: SpanLimits;
  /** OTEL_NODE_ENABLED_INSTRUMENTATIONS; undefined means all. */
  readonly enabledInstrumentations: readonly string[] | undefined;
  readonly disabledInstrumentations: readonly string[];
  /** OTEL_SEMCONV_STABILITY_OPT_IN, lower-cased; `http/dup` adds the old HTTP attributes. */
  readonly semconvStabilityOptIn: readonly string[];
  /** How long shutdown may take to flush on exit / SIGTERM / SIGINT (OTEL_NODE_SHUTDOWN_TIMEOUT). */
  readonly shutdownTimeoutMs: number;
  readonly metrics: MetricsConfig;
  readonly http: HttpInstrumentationConfig;
  readonly frameworks: FrameworkConfig;
  readonly pg: PgConfig;
  /** Settings of the SDK spec that are set but not implemented yet (names only: values may be secrets). */
  readonly notImplemented: readonly string[];
}

export interface PgConfig {
  /** OTEL_INSTRUMENTATION_PG_QUERY_TEXT */
  readonly queryText: 'sanitized' | 'raw' | 'off';
  /** OTEL_INSTRUMENTATION_PG_CAPTURE_PARAMETERS */
  readonly captureParameters: boolean;
}

export interface FrameworkConfig {
  /** OTEL_INSTRUMENTATION_EXPRESS_INTERNAL_SPANS */
  readonly expressInternalSpans: boolean;
  /** OTEL_INSTRUMENTATION_FASTIFY_INTERNAL_SPANS */
  readonly fastifyInternalSpans: boolean;
}
