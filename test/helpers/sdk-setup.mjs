// Set-up shared by the tests and benchmarks that build a TracerProvider directly rather than
// through readConfig().

/**
 * The span limits readConfig() gives when no OTEL_*_LIMIT variable is set. Not the oracle for
 * those defaults: test/unit/config-read.test.mjs spells them out on its own.
 */
export const DEFAULT_SPAN_LIMITS = {
  attributeCountLimit: 128,
  attributeValueLengthLimit: Infinity,
  eventCountLimit: 128,
  linkCountLimit: 128,
  attributePerEventCountLimit: 128,
  attributePerLinkCountLimit: 128,
};
