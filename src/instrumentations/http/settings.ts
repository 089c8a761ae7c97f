/**
 * What the http and undici instrumentations take from the config (their definitions' `settings`),
 * compiled once per Config: the excluded-URL matcher, the header-capture tables, the method
 * normalizer, whether the old HTTP attributes are added, and how long a URL or header value
 * may be (../../kit/limits.ts). The request path only reads these.
 */
import type { Config } from '../../config/types';
import { compileExcludedUrls, type ExcludedUrlMatcher } from '../http-shared/excluded';
import { compileHeaderCapture, type HeaderCapture } from '../http-shared/headers';
import { compileKnownMethods, type MethodNormalizer } from '../http-shared/method';
import { emitsOldHttpSemconv } from '../http-shared/old-semconv';
import { MAX_HEADER_VALUE_LENGTH, MAX_URL_LENGTH, valueLengthCap } from '../../kit/limits';

export interface HttpSettings {
  readonly isExcluded: ExcludedUrlMatcher | undefined;
  readonly serverRequestHeaders: HeaderCapture | undefined;
  readonly serverResponseHeaders: HeaderCapture | undefined;
  readonly clientRequestHeaders: HeaderCapture | undefined;
  readonly clientResponseHeaders: HeaderCapture | undefined;
  /** OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS, compiled. */
  readonly normalizeMethod: MethodNormalizer;
  /** OTEL_SEMCONV_STABILITY_OPT_IN includes http/dup. */
  readonly oldSemconv: boolean;
  /** Longest url.full / url.path / url.query / http.target / http.url kept. */
  readonly urlLengthCap: number;
  /** Longest header-derived value kept (captured headers, user agent, Host, Forwarded). */
  readonly headerValueLengthCap: number;
}

const cache = new WeakMap<Config, HttpSettings>();

export function compileHttpSettings(config: Config): HttpSettings {
  let settings = cache.get(config);
  if (settings !== undefined) return settings;
  const http = config.http;
  const capture = http?.captureHeaders;
  const headerValueLengthCap = valueLengthCap(config, MAX_HEADER_VALUE_LENGTH);
  settings = Object.freeze({
    isExcluded: compileExcludedUrls(http?.excludedUrls ?? []),
    serverRequestHeaders: compileHeaderCapture(capture?.serverRequest ?? [], 'request', headerValueLengthCap),
    serverResponseHeaders: compileHeaderCapture(capture?.serverResponse ?? [], 'response', headerValueLengthCap),
    clientRequestHeaders: compileHeaderCapture(capture?.clientRequest ?? [], 'request', headerValueLengthCap),
    clientResponseHeaders: compileHeaderCapture(capture?.clientResponse ?? [], 'response', headerValueLengthCap),
    normalizeMethod: compileKnownMethods(http?.knownMethods),
    oldSemconv: emitsOldHttpSemconv(config),
    urlLengthCap: valueLengthCap(config, MAX_URL_LENGTH),
    headerValueLengthCap,
  });
  cache.set(config, settings);
  return settings;
}
