/**
 * The one reader of the environment: env → a deep-frozen Config. Every bad value warns once
 * (OTELI_W_INVALID_ENV) and falls back; nothing here throws. Defaults come from the settings
 * table so that `--help` and the behaviour cannot disagree.
 */
import { LOG_LEVELS, log, setLogLevel, type LogLevel } from '../log';
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
import { settingFor } from './settings';
import type {
  BatchProcessorConfig,
  Config,
  HttpInstrumentationConfig,
  OtlpConfig,
  OtlpProtocol,
  PropagatorName,
  SamplerName,
  SpanLimits,
  TracesExporterName,
} from './types';

export type * from './types';

export const GRPC_UNSUPPORTED = 'OTELI_W_GRPC_UNSUPPORTED';

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
const TRACES_PATH = '/v1/traces';

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
  const logLevel = parseEnum<LogLevel>('OTEL_LOG_LEVEL', get('OTEL_LOG_LEVEL'), LOG_LEVELS, defaultOf('OTEL_LOG_LEVEL') as LogLevel);
  setLogLevel(logLevel);

  const sampler = parseEnum('OTEL_TRACES_SAMPLER', get('OTEL_TRACES_SAMPLER'), SAMPLERS, defaultOf('OTEL_TRACES_SAMPLER') as SamplerName);
  // The argument only means something to the ratio samplers; the others ignore it (spec).
  const samplerRatio = sampler.endsWith('traceidratio')
    ? parseRatio('OTEL_TRACES_SAMPLER_ARG', get('OTEL_TRACES_SAMPLER_ARG'), Number(defaultOf('OTEL_TRACES_SAMPLER_ARG')))
    : 1;

  const config: Config = {
    sdkDisabled: parseBoolean('OTEL_SDK_DISABLED', get('OTEL_SDK_DISABLED')),
    logLevel,
    serviceName: get('OTEL_SERVICE_NAME'),
    resourceAttributes: parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', get('OTEL_RESOURCE_ATTRIBUTES')),
    propagators: parseEnumList('OTEL_PROPAGATORS', get('OTEL_PROPAGATORS'), PROPAGATORS, parseList(defaultOf('OTEL_PROPAGATORS')) as PropagatorName[]),
    sampler,
    samplerRatio,
    tracesExporters: parseEnumList('OTEL_TRACES_EXPORTER', get('OTEL_TRACES_EXPORTER'), EXPORTERS, parseList(defaultOf('OTEL_TRACES_EXPORTER')) as TracesExporterName[]),
    otlp: readOtlp(get),
    bsp: readBatchProcessor(get),
    spanLimits: readSpanLimits(get),
    enabledInstrumentations: get('OTEL_NODE_ENABLED_INSTRUMENTATIONS') === undefined ? undefined : lowerList(get('OTEL_NODE_ENABLED_INSTRUMENTATIONS')),
    disabledInstrumentations: lowerList(get('OTEL_NODE_DISABLED_INSTRUMENTATIONS')),
    semconvStabilityOptIn: lowerList(get('OTEL_SEMCONV_STABILITY_OPT_IN')),
    shutdownTimeoutMs: parseInteger('OTEL_NODE_SHUTDOWN_TIMEOUT', get('OTEL_NODE_SHUTDOWN_TIMEOUT'), defaultIntOf('OTEL_NODE_SHUTDOWN_TIMEOUT')),
    http: readHttp(get),
  };
  return deepFreeze(config);
}

type Get = (name: string) => string | undefined;

function lowerList(raw: string | undefined): string[] {
  return [...new Set(parseList(raw).map((m) => m.toLowerCase()))];
}

function readOtlp(get: Get): OtlpConfig {
  // A signal-specific value wins; when it is invalid we fall back to the generic one, then the default.
  const pick = <T>(suffix: string, parse: (name: string, raw: string | undefined, fallback: T) => T, fallback: T): T =>
    parse(`OTEL_EXPORTER_OTLP_TRACES_${suffix}`, get(`OTEL_EXPORTER_OTLP_TRACES_${suffix}`), parse(`OTEL_EXPORTER_OTLP_${suffix}`, get(`OTEL_EXPORTER_OTLP_${suffix}`), fallback));

  const headers = {
    ...parseKeyValueList('OTEL_EXPORTER_OTLP_HEADERS', get('OTEL_EXPORTER_OTLP_HEADERS'), HEADER_OPTIONS),
    ...parseKeyValueList('OTEL_EXPORTER_OTLP_TRACES_HEADERS', get('OTEL_EXPORTER_OTLP_TRACES_HEADERS'), HEADER_OPTIONS),
  };
  const optional = (suffix: string): string | undefined => get(`OTEL_EXPORTER_OTLP_TRACES_${suffix}`) ?? get(`OTEL_EXPORTER_OTLP_${suffix}`);

  return {
    endpoint: readTracesEndpoint(get),
    protocol: pick('PROTOCOL', parseProtocol, defaultOf('OTEL_EXPORTER_OTLP_PROTOCOL') as OtlpProtocol),
    headers,
    timeoutMs: pick('TIMEOUT', (n, r, f: number) => parseInteger(n, r, f, { min: 1 }), defaultIntOf('OTEL_EXPORTER_OTLP_TIMEOUT')),
    compression: pick('COMPRESSION', (n, r, f: 'gzip' | 'none') => parseEnum(n, r, ['gzip', 'none'] as const, f), defaultOf('OTEL_EXPORTER_OTLP_COMPRESSION') as 'gzip' | 'none'),
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
    !HEADER_NAME.test(key) ? 'is not a valid header name' : !HEADER_VALUE.test(value) ? 'has a value with control characters' : undefined,
};

function parseProtocol(name: string, raw: string | undefined, fallback: OtlpProtocol): OtlpProtocol {
  if (raw !== undefined && raw.toLowerCase() === 'grpc') {
    log.warnOnce(GRPC_UNSUPPORTED, `${name}=grpc is not implemented yet; using http/protobuf`);
    return 'http/protobuf';
  }
  return parseEnum(name, raw, ['http/protobuf', 'http/json'] as const, fallback);
}

/** The signal-specific endpoint is used as given; the generic one gets /v1/traces appended. */
function readTracesEndpoint(get: Get): string {
  const fromGeneric = (base: string): string => base.replace(/\/+$/, '') + TRACES_PATH;
  const generic = fromGeneric(parseHttpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', get('OTEL_EXPORTER_OTLP_ENDPOINT'), defaultOf('OTEL_EXPORTER_OTLP_ENDPOINT')));
  return parseHttpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'), generic);
}

function readBatchProcessor(get: Get): BatchProcessorConfig {
  const int = (name: string, min: number): number => parseInteger(name, get(name), defaultIntOf(name), { min });
  const maxQueueSize = int('OTEL_BSP_MAX_QUEUE_SIZE', 1);
  let maxExportBatchSize = int('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 1);
  if (maxExportBatchSize > maxQueueSize) {
    // Spec: the batch size must not exceed the queue size. Clamp rather than reject both.
    const raw = get('OTEL_BSP_MAX_EXPORT_BATCH_SIZE') ?? String(maxExportBatchSize);
    warnInvalid('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', raw, `exceeds OTEL_BSP_MAX_QUEUE_SIZE (${maxQueueSize})`, String(maxQueueSize));
    maxExportBatchSize = maxQueueSize;
  }
  return {
    scheduleDelayMs: int('OTEL_BSP_SCHEDULE_DELAY', 0),
    exportTimeoutMs: int('OTEL_BSP_EXPORT_TIMEOUT', 0),
    maxQueueSize,
    maxExportBatchSize,
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

function readHttp(get: Get): HttpInstrumentationConfig {
  const headers = (suffix: string): string[] => lowerList(get(`OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_${suffix}`));
  return {
    excludedUrls: parseList(get('OTEL_NODE_HTTP_EXCLUDED_URLS')),
    captureHeaders: {
      serverRequest: headers('SERVER_REQUEST'),
      serverResponse: headers('SERVER_RESPONSE'),
      clientRequest: headers('CLIENT_REQUEST'),
      clientResponse: headers('CLIENT_RESPONSE'),
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export { describeConfig } from './describe';
