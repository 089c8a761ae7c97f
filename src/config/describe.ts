/**
 * The one-line startup preamble, e.g.
 *   otel-instrument 0.1.0 service=shop exporter=otlp endpoint=http://collector:4318/v1/traces
 *   protocol=http/protobuf sampler=parentbased_always_on propagators=tracecontext,baggage
 * Secrets stay out: the endpoint's userinfo and query values are redacted and header values
 * are never printed.
 */
import type { Config } from './types';
import { VERSION } from '../version';
import { redactUrlText } from '../redact';

/**
 * The URL with userinfo and every query value replaced (`https://REDACTED:REDACTED@host/?k=REDACTED`),
 * so tokens put there never reach a log.
 */
export function redactUrl(raw: string): string {
  return redactUrlText(raw, 'all');
}

/** Quoted only when it would otherwise break the key=value layout of the line. */
function field(value: string): string {
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

function listOrNone(values: readonly string[]): string {
  return values.length > 0 ? values.join(',') : 'none';
}

export function describeConfig(config: Config, version: string = VERSION): string {
  const service = config.serviceName ?? config.resourceAttributes['service.name'] ?? 'unknown_service:node';
  const sampler = config.sampler.endsWith('traceidratio') ? `${config.sampler}(${config.samplerRatio})` : config.sampler;
  // The endpoint and protocol only mean something when spans go over OTLP.
  const otlp = config.tracesExporters.includes('otlp')
    ? [`endpoint=${redactUrl(config.otlp.endpoint)}`, `protocol=${config.otlp.protocol}${config.otlp.protocolInferred ? ' (from port 4317)' : ''}`]
    : [];
  return [
    `otel-instrument ${version}`,
    `service=${field(service)}`,
    `exporter=${listOrNone(config.tracesExporters)}`,
    ...otlp,
    `sampler=${sampler}`,
    `propagators=${listOrNone(config.propagators)}`,
  ].join(' ');
}
