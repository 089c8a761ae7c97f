/**
 * What the http and undici instrumentations take from the config (their definitions' `settings`),
 * compiled once per Config: the excluded-URL matcher, the header-capture tables, the method
 * normalizer and whether the old HTTP attributes are added. The request path only reads these.
 */
import type { Config } from '../../config/types';
import { compileExcludedUrls, type ExcludedUrlMatcher } from '../http-shared/excluded';
import { compileHeaderCapture, type HeaderCapture } from '../http-shared/headers';
import { compileKnownMethods, type MethodNormalizer } from '../http-shared/method';
import { emitsOldHttpSemconv } from '../http-shared/old-semconv';

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
}

const cache = new WeakMap<Config, HttpSettings>();

export function compileHttpSettings(config: Config): HttpSettings {
  let settings = cache.get(config);
  if (settings !== undefined) return settings;
  const http = config.http;
  const capture = http?.captureHeaders;
  settings = Object.freeze({
    isExcluded: compileExcludedUrls(http?.excludedUrls ?? []),
    serverRequestHeaders: compileHeaderCapture(capture?.serverRequest ?? [], 'request'),
    serverResponseHeaders: compileHeaderCapture(capture?.serverResponse ?? [], 'response'),
    clientRequestHeaders: compileHeaderCapture(capture?.clientRequest ?? [], 'request'),
    clientResponseHeaders: compileHeaderCapture(capture?.clientResponse ?? [], 'response'),
    normalizeMethod: compileKnownMethods(http?.knownMethods),
    oldSemconv: emitsOldHttpSemconv(config),
  });
  cache.set(config, settings);
  return settings;
}
