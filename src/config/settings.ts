/**
 * Every environment variable we honour, in one table. The config reader (./index.ts), the CLI
 * flags (../cli/flags.ts) and `--help` are all derived from it, so a setting added here is
 * automatically a flag too. Pure data: the CLI imports this without loading anything else.
 *
 * `default` is the value as a user would type it; undefined means "unset" (no value, or a value
 * computed from other settings, which the description says).
 */

export interface Setting {
  readonly env: string;
  readonly default: string | undefined;
  readonly description: string;
  /**
   * A setting of the SDK specification we accept (so Python's command line runs as written) but
   * do not act on yet: the preamble's info line names it when it is set.
   */
  readonly notImplemented?: true;
}

const OTLP_SUFFIXES = ['ENDPOINT', 'PROTOCOL', 'HEADERS', 'TIMEOUT', 'COMPRESSION', 'CERTIFICATE', 'CLIENT_KEY', 'CLIENT_CERTIFICATE', 'INSECURE'];

/** The logs signal is not built yet: its variables are accepted as flags. */
const logsSettings: Setting[] = OTLP_SUFFIXES.map((suffix) => ({
  env: `OTEL_EXPORTER_OTLP_LOGS_${suffix}`,
  default: undefined,
  description: `${suffix.toLowerCase().replace('_', ' ')} for log exports (not implemented yet)`,
  notImplemented: true,
}));

/** Per-signal OTLP settings for metrics: each overrides its generic OTEL_EXPORTER_OTLP_* setting. */
const metricsOtlpSettings: Setting[] = OTLP_SUFFIXES.map((suffix) => ({
  env: `OTEL_EXPORTER_OTLP_METRICS_${suffix}`,
  default: undefined,
  description:
    suffix === 'ENDPOINT'
      ? 'full URL metrics are sent to, used as given (default: the generic endpoint + /v1/metrics)'
      : `${suffix.toLowerCase().replace('_', ' ')} for metric exports (overrides the generic setting)`,
}));

const metricsSettings: Setting[] = [
  { env: 'OTEL_METRICS_EXPORTER', default: 'otlp', description: 'otlp, prometheus, console, none, or a list' },
  { env: 'OTEL_EXPORTER_PROMETHEUS_HOST', default: 'localhost', description: 'host the Prometheus pull endpoint (/metrics) listens on' },
  { env: 'OTEL_EXPORTER_PROMETHEUS_PORT', default: '9464', description: 'port of the Prometheus pull endpoint' },
  { env: 'OTEL_METRIC_EXPORT_INTERVAL', default: '60000', description: 'ms between two metric exports' },
  { env: 'OTEL_METRIC_EXPORT_TIMEOUT', default: '30000', description: 'ms allowed for one metric export' },
  { env: 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', default: 'cumulative', description: 'cumulative, delta or lowmemory (histograms: delta)' },
  { env: 'OTEL_NODE_RUNTIME_METRICS', default: 'false', description: 'true: also export Node.js runtime metrics (event-loop delay and utilization, V8 heap, GC)' },
  { env: 'OTEL_NODE_METRICS_CARDINALITY_LIMIT', default: '2000', description: 'attribute sets per metric, the otel.metric.overflow point included' },
  ...metricsOtlpSettings,
];

const notImplementedSettings: Setting[] = [
  { env: 'OTEL_LOGS_EXPORTER', default: 'otlp', description: 'otlp, console or none (logs: not implemented yet)', notImplemented: true },
  { env: 'OTEL_METRICS_EXEMPLAR_FILTER', default: 'trace_based', description: 'always_on, always_off or trace_based (exemplars: not implemented yet)', notImplemented: true },
  { env: 'OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION', default: 'explicit_bucket_histogram', description: 'explicit_bucket_histogram (base2_exponential_bucket_histogram: not implemented yet)', notImplemented: true },
  ...logsSettings,
  { env: 'OTEL_BLRP_SCHEDULE_DELAY', default: '1000', description: 'ms between two log exports (not implemented yet)', notImplemented: true },
  { env: 'OTEL_BLRP_EXPORT_TIMEOUT', default: '30000', description: 'ms allowed for one log export (not implemented yet)', notImplemented: true },
  { env: 'OTEL_BLRP_MAX_QUEUE_SIZE', default: '2048', description: 'log records buffered (not implemented yet)', notImplemented: true },
  { env: 'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE', default: '512', description: 'log records per export (not implemented yet)', notImplemented: true },
  { env: 'OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT', default: undefined, description: 'max log record attribute length (not implemented yet)', notImplemented: true },
  { env: 'OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT', default: '128', description: 'max log record attributes (not implemented yet)', notImplemented: true },
  { env: 'OTEL_EXPORTER_ZIPKIN_ENDPOINT', default: 'http://localhost:9411/api/v2/spans', description: 'Zipkin endpoint (the zipkin exporter is not implemented)', notImplemented: true },
  { env: 'OTEL_EXPORTER_ZIPKIN_TIMEOUT', default: '10000', description: 'ms per Zipkin export (not implemented)', notImplemented: true },
];

const otlpSettings: Setting[] = [
  {
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    default: 'http://localhost:4318',
    description: 'base URL of the OTLP receiver; /v1/traces is appended over HTTP (grpc: http://localhost:4317, used as given)',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    default: undefined,
    description: 'full URL spans are sent to, used as given (overrides the generic endpoint)',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    default: 'http/protobuf',
    description: 'http/protobuf, http/json or grpc (unset: grpc when the endpoint\'s port is 4317)',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    default: undefined,
    description: 'protocol for spans (overrides the generic protocol)',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_INSECURE',
    default: 'false',
    description: 'true: plain-text gRPC to an endpoint given as host:port, without a scheme (false: TLS)',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_TRACES_INSECURE',
    default: undefined,
    description: 'the same for span exports (overrides the generic setting)',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_HEADERS',
    default: undefined,
    description: 'key=value,... headers sent with every export; values percent-decoded',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
    default: undefined,
    description: 'headers for span exports, merged over the generic headers',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_TIMEOUT',
    default: '10000',
    description: 'ms allowed for one export request',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
    default: undefined,
    description: 'ms allowed for one span export request (overrides the generic timeout)',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_COMPRESSION',
    default: 'none',
    description: 'gzip or none',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
    default: undefined,
    description: 'compression for span exports (overrides the generic compression)',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_CERTIFICATE',
    default: undefined,
    description: 'PEM file with the CA certificate(s) trusted for the receiver',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE',
    default: undefined,
    description: 'CA certificate file for span exports',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_CLIENT_KEY',
    default: undefined,
    description: 'PEM file with the client private key (mTLS)',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY',
    default: undefined,
    description: 'client private key file for span exports',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE',
    default: undefined,
    description: 'PEM file with the client certificate (mTLS)',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE',
    default: undefined,
    description: 'client certificate file for span exports',
  },
];

const limitSettings: Setting[] = [
  {
    env: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
    default: undefined,
    description: 'max length of a string attribute value (unset: unlimited)',
  },
  { env: 'OTEL_ATTRIBUTE_COUNT_LIMIT', default: '128', description: 'max attributes per span, event or link' },
  {
    env: 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
    default: undefined,
    description: 'max length of a span attribute value (overrides the generic limit)',
  },
  {
    env: 'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT',
    default: undefined,
    description: 'max attributes per span (overrides the generic limit)',
  },
  { env: 'OTEL_SPAN_EVENT_COUNT_LIMIT', default: '128', description: 'max events per span' },
  { env: 'OTEL_SPAN_LINK_COUNT_LIMIT', default: '128', description: 'max links per span' },
  {
    env: 'OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT',
    default: undefined,
    description: 'max attributes per span event (default: the generic limit)',
  },
  {
    env: 'OTEL_LINK_ATTRIBUTE_COUNT_LIMIT',
    default: undefined,
    description: 'max attributes per span link (default: the generic limit)',
  },
];

const captureHeaderSettings: Setting[] = [
  ['SERVER_REQUEST', 'incoming request'],
  ['SERVER_RESPONSE', 'outgoing response'],
  ['CLIENT_REQUEST', 'outgoing request'],
  ['CLIENT_RESPONSE', 'incoming response'],
].map(([suffix, what]) => ({
  env: `OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_${suffix}`,
  default: undefined,
  description: `comma-separated ${what} header names recorded as span attributes`,
}));

export const SETTINGS: readonly Setting[] = Object.freeze(
  [
    { env: 'OTEL_SDK_DISABLED', default: 'false', description: 'true: run the command without tracing' },
    { env: 'OTEL_SERVICE_NAME', default: undefined, description: 'service.name of the resource' },
    {
      env: 'OTEL_RESOURCE_ATTRIBUTES',
      default: undefined,
      description: 'key=value,... resource attributes; values percent-decoded',
    },
    {
      env: 'OTEL_LOG_LEVEL',
      default: 'info',
      description: "the agent's own log level: none, error, warn, info, debug, verbose, all",
    },
    {
      env: 'OTEL_PROPAGATORS',
      default: 'tracecontext,baggage',
      description: 'comma-separated: tracecontext, baggage, b3, b3multi, none',
    },
    {
      env: 'OTEL_TRACES_SAMPLER',
      default: 'parentbased_always_on',
      description:
        'always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio',
    },
    {
      env: 'OTEL_TRACES_SAMPLER_ARG',
      default: '1.0',
      description: 'sampling ratio in [0, 1] for the traceidratio samplers',
    },
    {
      env: 'OTEL_TRACES_EXPORTER',
      default: 'otlp',
      description: 'comma-separated: otlp, console, none',
    },
    ...otlpSettings,
    ...metricsSettings,
    { env: 'OTEL_BSP_SCHEDULE_DELAY', default: '5000', description: 'ms between two batch exports' },
    { env: 'OTEL_BSP_EXPORT_TIMEOUT', default: '30000', description: 'ms allowed for one batch export, retries included' },
    { env: 'OTEL_BSP_MAX_QUEUE_SIZE', default: '2048', description: 'spans buffered before new ones are dropped' },
    {
      env: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
      default: '512',
      description: 'max spans per export (at most the queue size)',
    },
    {
      env: 'OTEL_NODE_LOSS_REPORT_INTERVAL',
      default: '60000',
      description: 'ms between two warnings that count the spans lost (dropped from a full queue or in failed exports); at most one line per interval',
    },
    ...limitSettings,
    {
      env: 'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
      default: undefined,
      description: 'comma-separated instrumentation ids to enable (unset: all)',
    },
    {
      env: 'OTEL_NODE_DISABLED_INSTRUMENTATIONS',
      default: undefined,
      description: 'comma-separated instrumentation ids to disable',
    },
    {
      env: 'OTEL_SEMCONV_STABILITY_OPT_IN',
      default: undefined,
      description:
        'comma-separated semantic-convention opt-ins; http/dup adds the old (pre-1.20) HTTP attributes to the stable ones',
    },
    {
      env: 'OTEL_NODE_SHUTDOWN_TIMEOUT',
      default: '5000',
      description: 'ms allowed for the final flush on exit, SIGTERM and SIGINT',
    },
    {
      env: 'OTEL_NODE_LAUNCHER',
      default: 'exec',
      description:
        'how the CLI runs the command: exec replaces the CLI with it (one process; Node.js with process.execve, 22.15+), spawn runs it as a child (always on Node.js 20)',
    },
    {
      env: 'OTEL_NODE_HTTP_EXCLUDED_URLS',
      default: undefined,
      description: 'comma-separated URL paths not traced (* matches anything)',
    },
    ...captureHeaderSettings,
    {
      env: 'OTEL_INSTRUMENTATION_PG_QUERY_TEXT',
      default: 'sanitized',
      description: 'db.query.text of pg spans: sanitized (literals as ?, comments removed), raw (as sent), or off',
    },
    {
      env: 'OTEL_INSTRUMENTATION_PG_CAPTURE_PARAMETERS',
      default: 'false',
      description: 'true: record the values of a parameterised query as db.query.parameter.<index>',
    },
    {
      env: 'OTEL_INSTRUMENTATION_EXPRESS_INTERNAL_SPANS',
      default: 'true',
      description: 'false: no INTERNAL spans for express middleware, routers and handlers; the SERVER span is still named from the route',
    },
    {
      env: 'OTEL_INSTRUMENTATION_FASTIFY_INTERNAL_SPANS',
      default: 'true',
      description: 'false: no INTERNAL spans for fastify hooks and handlers; the SERVER span is still named from the route',
    },
    {
      env: 'OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS',
      // Must equal DEFAULT_KNOWN_METHODS in instrumentations/http-shared/method.ts (a unit test checks).
      default: 'CONNECT,DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT,TRACE',
      description: 'comma-separated, case-sensitive HTTP methods that replace the known set; others are reported as _OTHER',
    },
    ...notImplementedSettings,
  ].map((s) => Object.freeze(s)),
);

/** The table row for a variable; throws on a name missing from the table (a bug of ours). */
export function settingFor(env: string): Setting {
  const found = SETTINGS.find((s) => s.env === env);
  if (!found) throw new Error(`no setting named ${env}`);
  return found;
}
