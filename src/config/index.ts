/**
 * The one reader of the environment: env → a deep-frozen Config. Every bad value warns once
 * (OTELI_W_INVALID_ENV) and falls back; nothing here throws. Defaults come from the settings
 * table so that `--help` and the behaviour cannot disagree.
 */
import { LOG_LEVELS, log, setLogLevel, type LogLevel } from '../log';
import { redactUrlText } from '../redact';
import {
  parseBoolean,
  parseEnum,
  parseEnumList,
  parseHttpUrl,
  parseInteger,
  parseKeyValueList,
  parseList,
  parseRatio,
  readEnv,
  warnInvalid,
} from './parse';
import { SETTINGS, settingFor } from './settings';
import type {
  BatchProcessorConfig,
  Config,
  HttpInstrumentationConfig,
  MetricsConfig,
  MetricsExporterName,
  OtlpConfig,
  OtlpProtocol,
  PropagatorName,
  SamplerName,
  SpanLimits,
  TracesExporterName,
} from './types';

export type * from './types';

const PROPAGATORS: readonly PropagatorName[] = ['tracecontext', 'baggage', 'b3', 'b3multi'];
const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const EXPORTERS: readonly TracesExporterName[] = ['otlp', 'console'];
const COMPRESSIONS = ['gzip', 'none'] as const;
type Compression = (typeof COMPRESSIONS)[number];
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

function defaultOf(env: string): string {
  const value = settingFor(env).default;
  if (value === undefined) throw new Error(`setting ${env} has no default`);
  return value;
}

function defaultIntOf(env: string): number {
  return Number(defaultOf(env));
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const get = (name: string): string | undefined => readEnv(env, name);

  // First, so that OTEL_LOG_LEVEL=none also silences the warnings about the other settings.
  // The default level is set before parsing so a bad OTEL_LOG_LEVEL itself is reported.
  const defaultLogLevel = defaultOf('OTEL_LOG_LEVEL') as LogLevel;
  setLogLevel(defaultLogLevel);
  const logLevel = parseEnum('OTEL_LOG_LEVEL', get('OTEL_LOG_LEVEL'), LOG_LEVELS, defaultLogLevel);
  setLogLevel(logLevel);

  const enumOf = <T extends string>(name: string, allowed: readonly T[]): T =>
    parseEnum(name, get(name), allowed, defaultOf(name) as T);
  const enumListOf = <T extends string>(name: string, allowed: readonly T[]): T[] =>
    parseEnumList(name, get(name), allowed, parseList(defaultOf(name)) as T[]);

  const sampler = enumOf('OTEL_TRACES_SAMPLER', SAMPLERS);
  // The argument only means something to the ratio samplers; the others ignore it (spec).
  const samplerArg = 'OTEL_TRACES_SAMPLER_ARG';
  const samplerRatio = sampler.endsWith('traceidratio') ? parseRatio(samplerArg, get(samplerArg), Number(defaultOf(samplerArg))) : 1;
  const enabledInstrumentations = get('OTEL_NODE_ENABLED_INSTRUMENTATIONS');
  const shutdownTimeout = 'OTEL_NODE_SHUTDOWN_TIMEOUT';

  const config: Config = {
    sdkDisabled: parseBoolean('OTEL_SDK_DISABLED', get('OTEL_SDK_DISABLED')),
    logLevel,
    serviceName: get('OTEL_SERVICE_NAME'),
    resourceAttributes: parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', get('OTEL_RESOURCE_ATTRIBUTES'), { allOrNothing: true }),
    propagators: enumListOf('OTEL_PROPAGATORS', PROPAGATORS),
    sampler,
    samplerRatio,
    tracesExporters: enumListOf('OTEL_TRACES_EXPORTER', EXPORTERS),
    otlp: readOtlp(get, 'TRACES'),
    bsp: readBatchProcessor(get),
    spanLimits: readSpanLimits(get),
    enabledInstrumentations: enabledInstrumentations === undefined ? undefined : lowerList(enabledInstrumentations),
    disabledInstrumentations: lowerList(get('OTEL_NODE_DISABLED_INSTRUMENTATIONS')),
    semconvStabilityOptIn: lowerList(get('OTEL_SEMCONV_STABILITY_OPT_IN')),
    shutdownTimeoutMs: parseInteger(shutdownTimeout, get(shutdownTimeout), defaultIntOf(shutdownTimeout)),
    metrics: readMetrics(get, enumListOf),
    http: readHttp(get),
    pg: {
      queryText: enumOf('OTEL_INSTRUMENTATION_PG_QUERY_TEXT', ['sanitized', 'raw', 'off'] as const),
      captureParameters: parseBoolean('OTEL_INSTRUMENTATION_PG_CAPTURE_PARAMETERS', get('OTEL_INSTRUMENTATION_PG_CAPTURE_PARAMETERS')),
    },
    notImplemented: SETTINGS.filter((setting) => setting.notImplemented === true && get(setting.env) !== undefined).map((setting) => setting.env),
    frameworks: {
      expressInternalSpans: parseBoolean('OTEL_INSTRUMENTATION_EXPRESS_INTERNAL_SPANS', get('OTEL_INSTRUMENTATION_EXPRESS_INTERNAL_SPANS'), defaultOf('OTEL_INSTRUMENTATION_EXPRESS_INTERNAL_SPANS') === 'true'),
      fastifyInternalSpans: parseBoolean('OTEL_INSTRUMENTATION_FASTIFY_INTERNAL_SPANS', get('OTEL_INSTRUMENTATION_FASTIFY_INTERNAL_SPANS'), defaultOf('OTEL_INSTRUMENTATION_FASTIFY_INTERNAL_SPANS') === 'true'),
    },
  };
  return deepFreeze(config);
}

type Get = (name: string) => string | undefined;

function lowerList(raw: string | undefined): string[] {
  return [...new Set(parseList(raw).map((m) => m.toLowerCase()))];
}

type Signal = 'TRACES' | 'METRICS';

const SIGNAL_PATHS: Readonly<Record<Signal, string>> = { TRACES: '/v1/traces', METRICS: '/v1/metrics' };

/** The OTLP/gRPC port: an endpoint on it, with no protocol set, means gRPC (as Python's default). */
const GRPC_PORT = '4317';
const GRPC_DEFAULT_ENDPOINT = 'http://localhost:4317';

function readOtlp(get: Get, signal: Signal): OtlpConfig {
  const generic = (suffix: string): string => `OTEL_EXPORTER_OTLP_${suffix}`;
  const specific = (suffix: string): string => `OTEL_EXPORTER_OTLP_${signal}_${suffix}`;
  // A signal-specific value wins; when it is invalid we fall back to the generic one, then the default.
  type Parse<T> = (name: string, raw: string | undefined, fallback: T) => T;
  const pick = <T>(suffix: string, parse: Parse<T>, fallback: T): T =>
    parse(specific(suffix), get(specific(suffix)), parse(generic(suffix), get(generic(suffix)), fallback));
  const optional = (suffix: string): string | undefined => get(specific(suffix)) ?? get(generic(suffix));
  const headers = (name: string): Record<string, string> => parseKeyValueList(name, get(name), HEADER_OPTIONS);

  const chosenProtocol = pick<OtlpProtocol | undefined>('PROTOCOL', parseProtocol, undefined);
  const protocolInferred = chosenProtocol === undefined && portOf(optional('ENDPOINT')) === GRPC_PORT;
  const protocol = chosenProtocol ?? (protocolInferred ? 'grpc' : (defaultOf(generic('PROTOCOL')) as OtlpProtocol));
  const insecure = pick('INSECURE', (n, r, f: boolean) => parseBoolean(n, r, f), defaultOf(generic('INSECURE')) === 'true');
  return {
    endpoint: protocol === 'grpc' ? readGrpcEndpoint(get, signal, insecure) : readHttpEndpoint(get, signal),
    protocol,
    protocolInferred,
    headers: { ...headers(generic('HEADERS')), ...headers(specific('HEADERS')) },
    timeoutMs: pick('TIMEOUT', (n, r, f: number) => parseInteger(n, r, f, { min: 1 }), defaultIntOf(generic('TIMEOUT'))),
    compression: pick('COMPRESSION', (n, r, f: Compression) => parseEnum(n, r, COMPRESSIONS, f), defaultOf(generic('COMPRESSION')) as Compression),
    certificateFile: optional('CERTIFICATE'),
    clientKeyFile: optional('CLIENT_KEY'),
    clientCertificateFile: optional('CLIENT_CERTIFICATE'),
  };
}

/** RFC 9110 token for names; values must be what Node's http accepts, or every export would throw. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const HEADER_OPTIONS = {
  lowerCaseKeys: true,
  check: (key: string, value: string): string | undefined =>
    !HEADER_NAME.test(key) ? 'is not a valid header name' : !HEADER_VALUE.test(value) ? 'has a value HTTP cannot carry (control characters, or characters beyond Latin-1)' : undefined,
};

function parseProtocol(name: string, raw: string | undefined, fallback: OtlpProtocol | undefined): OtlpProtocol | undefined {
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if ((PROTOCOLS as readonly string[]).includes(lower)) return lower as OtlpProtocol;
  warnInvalid(name, raw, `is not one of ${PROTOCOLS.join(', ')}`, fallback ?? `${defaultOf('OTEL_EXPORTER_OTLP_PROTOCOL')} (grpc for port ${GRPC_PORT})`);
  return fallback;
}

/** host:port, [v6]:port or host without a scheme: gRPC's own endpoint form (the INSECURE setting picks TLS). */
const SCHEMELESS_ENDPOINT = /^(\[[0-9a-fA-F:.]+\]|[^/:?#\s]+)(:\d{1,5})?$/;

/** The port an endpoint names, explicitly; undefined for none or an unreadable endpoint. */
function portOf(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const bare = SCHEMELESS_ENDPOINT.exec(raw.trim());
  if (bare) return bare[2]?.slice(1);
  try {
    return new URL(raw).port || undefined;
  } catch {
    return undefined;
  }
}

/**
 * HTTP: the signal-specific endpoint is used as given; the generic one gets the signal's path
 * (/v1/traces) appended.
 */
function readHttpEndpoint(get: Get, signal: Signal): string {
  const fromGeneric = (base: string): string => base.replace(/\/+$/, '') + SIGNAL_PATHS[signal];
  const genericName = 'OTEL_EXPORTER_OTLP_ENDPOINT';
  const specificName = `OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`;
  const generic = fromGeneric(parseHttpUrl(genericName, get(genericName), defaultOf(genericName)));
  return parseHttpUrl(specificName, get(specificName), generic);
}

/**
 * gRPC: the server's origin (the method's path is fixed by the service). Either endpoint may be
 * an http(s) URL or, as gRPC allows, host:port without a scheme: then TLS is used unless
 * OTEL_EXPORTER_OTLP_[SIGNAL_]INSECURE=true (spec: "only applies … without the http or https scheme").
 */
function readGrpcEndpoint(get: Get, signal: Signal, insecure: boolean): string {
  const parse = (name: string, fallback: string): string => {
    const raw = get(name)?.trim();
    if (raw === undefined) return fallback;
    if (SCHEMELESS_ENDPOINT.test(raw)) return new URL(`${insecure ? 'http' : 'https'}://${raw}`).origin;
    try {
      const url = new URL(raw);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
    } catch {
      // reported below
    }
    warnInvalid(name, redactUrlText(raw), 'is not an http(s) URL or host:port', fallback);
    return fallback;
  };
  return parse(`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`, parse('OTEL_EXPORTER_OTLP_ENDPOINT', GRPC_DEFAULT_ENDPOINT));
}

const METRICS_EXPORTERS: readonly MetricsExporterName[] = ['otlp', 'console', 'prometheus'];

function readMetrics(get: Get, enumListOf: <T extends string>(name: string, allowed: readonly T[]) => T[]): MetricsConfig {
  const int = (name: string, min: number): number => parseInteger(name, get(name), defaultIntOf(name), { min });
  const temporalityName = 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE';
  const preference = parseEnum(temporalityName, get(temporalityName)?.toLowerCase(), ['cumulative', 'delta', 'lowmemory'] as const, defaultOf(temporalityName) as 'cumulative');
  return {
    exporters: enumListOf('OTEL_METRICS_EXPORTER', METRICS_EXPORTERS),
    otlp: readOtlp(get, 'METRICS'),
    intervalMs: int('OTEL_METRIC_EXPORT_INTERVAL', 1),
    timeoutMs: int('OTEL_METRIC_EXPORT_TIMEOUT', 1),
    // lowmemory: delta for counters and histograms (spec), and histograms are all we record.
    temporality: preference === 'cumulative' ? 'cumulative' : 'delta',
    cardinalityLimit: int('OTEL_NODE_METRICS_CARDINALITY_LIMIT', 2),
    runtime: parseBoolean('OTEL_NODE_RUNTIME_METRICS', get('OTEL_NODE_RUNTIME_METRICS'), defaultOf('OTEL_NODE_RUNTIME_METRICS') === 'true'),
    prometheus: {
      host: get('OTEL_EXPORTER_PROMETHEUS_HOST') ?? defaultOf('OTEL_EXPORTER_PROMETHEUS_HOST'),
      port: parseInteger('OTEL_EXPORTER_PROMETHEUS_PORT', get('OTEL_EXPORTER_PROMETHEUS_PORT'), defaultIntOf('OTEL_EXPORTER_PROMETHEUS_PORT'), { min: 0, max: 65535 }),
    },
  };
}

function readBatchProcessor(get: Get): BatchProcessorConfig {
  const int = (name: string, min: number): number => parseInteger(name, get(name), defaultIntOf(name), { min });
  const maxQueueSize = int('OTEL_BSP_MAX_QUEUE_SIZE', 1);
  let maxExportBatchSize = int('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 1);
  if (maxExportBatchSize > maxQueueSize) {
    // Spec: the batch size must not exceed the queue size. Clamp rather than reject both.
    const name = 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE';
    warnInvalid(name, get(name) ?? String(maxExportBatchSize), `exceeds OTEL_BSP_MAX_QUEUE_SIZE (${maxQueueSize})`, String(maxQueueSize));
    maxExportBatchSize = maxQueueSize;
  }
  return {
    scheduleDelayMs: int('OTEL_BSP_SCHEDULE_DELAY', 0),
    exportTimeoutMs: int('OTEL_BSP_EXPORT_TIMEOUT', 0),
    maxQueueSize,
    maxExportBatchSize,
    lossReportIntervalMs: int('OTEL_NODE_LOSS_REPORT_INTERVAL', 1),
  };
}

function readSpanLimits(get: Get): SpanLimits {
  // Model-specific limits (OTEL_SPAN_*, OTEL_EVENT_*, OTEL_LINK_*) win over the generic OTEL_ATTRIBUTE_*.
  const int = (name: string, fallback: number): number => parseInteger(name, get(name), fallback);
  const genericCount = int('OTEL_ATTRIBUTE_COUNT_LIMIT', defaultIntOf('OTEL_ATTRIBUTE_COUNT_LIMIT'));
  const genericLength = int('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', Infinity);
  return {
    attributeCountLimit: int('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', genericCount),
    attributeValueLengthLimit: int('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', genericLength),
    eventCountLimit: int('OTEL_SPAN_EVENT_COUNT_LIMIT', defaultIntOf('OTEL_SPAN_EVENT_COUNT_LIMIT')),
    linkCountLimit: int('OTEL_SPAN_LINK_COUNT_LIMIT', defaultIntOf('OTEL_SPAN_LINK_COUNT_LIMIT')),
    attributePerEventCountLimit: int('OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', genericCount),
    attributePerLinkCountLimit: int('OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', genericCount),
  };
}

/** RFC 9110 `token`, the syntax of a method name. */
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Header names to capture, lower-cased: a member that is not an HTTP field name (a token) can
 * never match a header, so it is dropped with one warning instead of silently capturing nothing.
 */
function readHeaderNames(name: string, get: Get): string[] {
  const members = lowerList(get(name));
  const valid = members.filter((m) => HTTP_TOKEN.test(m));
  if (valid.length < members.length) {
    const invalid = members.filter((m) => !HTTP_TOKEN.test(m));
    warnInvalid(name, get(name)!, `has invalid header name(s) ${invalid.map((m) => JSON.stringify(m)).join(',')}`, valid.length > 0 ? valid.join(',') : 'none');
  }
  return valid;
}

/**
 * OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: kept case-sensitive (the semconv matches methods
 * exactly), duplicates dropped. Members that are not method names are ignored with one warning;
 * if none is left, the default set is used.
 */
function readKnownMethods(get: Get): string[] {
  const name = 'OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS';
  const fallback = parseList(defaultOf(name));
  const raw = get(name);
  if (raw === undefined) return fallback;
  const members = [...new Set(parseList(raw))];
  const valid = members.filter((m) => HTTP_TOKEN.test(m));
  const result = valid.length > 0 ? valid : fallback;
  if (valid.length < members.length || valid.length === 0) {
    const invalid = members.filter((m) => !HTTP_TOKEN.test(m));
    const problem = invalid.length > 0 ? `has invalid method name(s) ${invalid.map((m) => JSON.stringify(m)).join(',')}` : 'names no method';
    warnInvalid(name, raw, problem, result.join(','));
  }
  return result;
}

function readHttp(get: Get): HttpInstrumentationConfig {
  const headers = (suffix: string): string[] => readHeaderNames(`OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_${suffix}`, get);
  return {
    excludedUrls: parseList(get('OTEL_NODE_HTTP_EXCLUDED_URLS')),
    captureHeaders: {
      serverRequest: headers('SERVER_REQUEST'),
      serverResponse: headers('SERVER_RESPONSE'),
      clientRequest: headers('CLIENT_REQUEST'),
      clientResponse: headers('CLIENT_RESPONSE'),
    },
    knownMethods: readKnownMethods(get),
  };
}

export type LauncherMode = 'exec' | 'spawn';

/** OTEL_NODE_LAUNCHER, for the CLI: the only setting read before the command runs. */
export function readLauncherMode(env: NodeJS.ProcessEnv = process.env): LauncherMode {
  const name = 'OTEL_NODE_LAUNCHER';
  return parseEnum(name, readEnv(env, name), ['exec', 'spawn'] as const, defaultOf(name) as LauncherMode);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export { describeConfig } from './describe';
