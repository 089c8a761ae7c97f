/**
 * The pg patches: `Client.prototype.query` and `connect` in pg/lib/client.js, and
 * `Pool.prototype.connect` of pg-pool (which pool.query goes through).
 */
import { SpanKind } from '@opentelemetry/api';
import type { PatchFunction } from '../../kit/definition';
import { makeConnectWrapper, makeQueryWrapper, type PgSettings } from './query-spans';
import { DB_CLIENT_OPERATION_DURATION } from '../../metrics/instruments';

export const patchClient: PatchFunction<PgSettings> = (Client, ctx) => {
  const proto = Client?.prototype;
  ctx.wrap(proto, 'query', makeQueryWrapper(ctx.tracer, ctx.settings, ctx.meter?.histogram(DB_CLIENT_OPERATION_DURATION)) as never);
  ctx.wrap(proto, 'connect', makeConnectWrapper(ctx.tracer, 'pg.connect', SpanKind.CLIENT, (client) => client, false) as never);
  return undefined;
};

export const patchPool: PatchFunction<PgSettings> = (Pool, ctx) => {
  // The pool's options say where its clients connect (host, port, database).
  ctx.wrap(Pool?.prototype, 'connect', makeConnectWrapper(ctx.tracer, 'pg-pool.connect', SpanKind.INTERNAL, (pool) => pool?.options, true) as never);
  return undefined;
};
