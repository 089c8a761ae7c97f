/**
 * The histograms we record, as the stable semantic conventions define them: name, unit, and the
 * explicit bucket boundaries the conventions advise (in seconds), not the SDK's default
 * millisecond buckets.
 */
export interface HistogramDefinition {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  /** Ascending upper bounds; a value lands in the first bucket whose bound is >= it. */
  readonly boundaries: readonly number[];
}

/** http.server.request.duration and http.client.request.duration (semconv: HTTP metrics). */
const HTTP_BOUNDARIES = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
/** db.client.operation.duration (semconv: database metrics). */
const DB_BOUNDARIES = Object.freeze([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]);

export const HTTP_SERVER_REQUEST_DURATION: HistogramDefinition = Object.freeze({
  name: 'http.server.request.duration',
  unit: 's',
  description: 'Duration of HTTP server requests.',
  boundaries: HTTP_BOUNDARIES,
});

export const HTTP_CLIENT_REQUEST_DURATION: HistogramDefinition = Object.freeze({
  name: 'http.client.request.duration',
  unit: 's',
  description: 'Duration of HTTP client requests.',
  boundaries: HTTP_BOUNDARIES,
});

export const DB_CLIENT_OPERATION_DURATION: HistogramDefinition = Object.freeze({
  name: 'db.client.operation.duration',
  unit: 's',
  description: 'Duration of database client operations.',
  boundaries: DB_BOUNDARIES,
});
