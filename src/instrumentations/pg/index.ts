/**
 * PostgreSQL through `pg` 8 (and the `pg-pool` 3 it ships with): a CLIENT span per query with the
 * stable database conventions (sanitised SQL by default), spans for client and pool connects, and
 * callers' contexts kept across the pool.
 */
import { defineInstrumentation, lazyPatches, versionGateOnly } from '../../kit/definition';
import { MAX_QUERY_TEXT_LENGTH, valueLengthCap } from '../../kit/limits';
import type { PgSettings } from './query-spans';

const load = lazyPatches(() => require('./patch') as typeof import('./patch'));

export default defineInstrumentation<PgSettings>({
  id: 'pg',
  library: '`pg` 8 and `pg-pool` 3: a CLIENT span per query (every form: text, values, config, prepared, callbacks, promises, `pg-cursor` / `pg-query-stream`), `pg.connect` and `pg-pool.connect` spans, sanitised `db.query.text`, `db.query.summary`',
  targets: [
    // The main entry gates the version (pg 7: one warning) and is what bootstrap reports.
    { module: 'pg', versions: '>=8.0.3 <9', load: versionGateOnly },
    { module: 'pg', versions: '>=8.0.3 <9', file: 'lib/client.js', load: load('patchClient') },
    { module: 'pg-pool', versions: '>=3 <4', load: load('patchPool') },
  ],
  settings: (config) => ({
    queryText: config.pg.queryText,
    captureParameters: config.pg.captureParameters,
    queryTextLengthCap: valueLengthCap(config, MAX_QUERY_TEXT_LENGTH),
  }),
  yieldsTo: ['@opentelemetry/instrumentation-pg', 'dd-trace', 'elastic-apm-node'],
});
