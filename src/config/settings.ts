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
}

const otlpSettings: Setting[] = [
  {
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    default: 'http://localhost:4318',
    description: 'base URL of the OTLP receiver; /v1/traces is appended',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    default: undefined,
    description: 'full URL spans are sent to, used as given (overrides the generic endpoint)',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    default: 'http/protobuf',
    description: 'http/protobuf or http/json (grpc is not implemented yet)',
  },
  {
    env: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    default: undefined,
    description: 'protocol for spans (overrides the generic protocol)',
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
    { env: 'OTEL_BSP_SCHEDULE_DELAY', default: '5000', description: 'ms between two batch exports' },
    { env: 'OTEL_BSP_EXPORT_TIMEOUT', default: '30000', description: 'ms allowed for one batch export, retries included' },
    { env: 'OTEL_BSP_MAX_QUEUE_SIZE', default: '2048', description: 'spans buffered before new ones are dropped' },
    {
      env: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
      default: '512',
      description: 'max spans per export (at most the queue size)',
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
  ].map((s) => Object.freeze(s)),
);

/** The table row for a variable; throws on a name missing from the table (a bug of ours). */
export function settingFor(env: string): Setting {
  const found = SETTINGS.find((s) => s.env === env);
  if (!found) throw new Error(`no setting named ${env}`);
  return found;
}
