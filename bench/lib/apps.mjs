// The apps the HTTP benchmark runs (bench/fixtures/), each listening on 127.0.0.1 port 0 and
// printing `listening <port> <pid>`. spansPerRequest is what otel-instrument records per request;
// the rivals' counts are their own and are reported as measured.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES = join(BENCH, 'fixtures');
const EXPRESS5 = join(BENCH, '..', 'test', 'fixtures', 'frameworks', 'express5');

export const APPS = {
  plain: { file: 'plain.js', path: '/', spansPerRequest: 1, what: 'node:http server, small JSON answer' },
  gateway: { file: 'gateway.js', path: '/', spansPerRequest: 2, what: 'node:http server + one fetch to a bare local upstream per request' },
  express: { file: 'express.js', path: '/users/42', spansPerRequest: 3, framework: true, what: 'express 5 (CommonJS), GET /users/:id → JSON behind one middleware' },
  'express-esm': {
    file: 'express.mjs',
    // Run from the express 5 fixture's folder, where `import express from 'express'` resolves.
    runFrom: join(EXPRESS5, '.apps'),
    esm: true,
    path: '/users/42',
    spansPerRequest: 3,
    framework: true,
    what: 'express 5 (ES module, `import express from \'express\'`), GET /users/:id → JSON behind one middleware',
  },
  fastify: { file: 'fastify.js', path: '/users/42', spansPerRequest: 3, framework: true, what: 'fastify 5, GET /users/:id → JSON with one onRequest hook' },
  'fastify-pg': {
    file: 'fastify-pg.js',
    path: '/users/42',
    spansPerRequest: 4,
    framework: true,
    // SERVER, pg-pool.connect and SELECT stay with the frameworks' INTERNAL spans off.
    spansWithoutInternal: 3,
    // Beyond the requests': the set-up queries (CREATE TABLE, INSERT) and DROP TABLE at exit,
    // with their pool connects, and a pg.connect span for each of the pool's 8 connections.
    setupSpans: 24,
    postgres: true,
    what: 'fastify 5 + pg, GET /users/:id → SELECT … WHERE id = $1 through a pool (real PostgreSQL)',
  },
};

/** The app's file, copied first where it must run from (the ESM twin). */
export function appFile(appName) {
  const app = APPS[appName];
  if (app.runFrom === undefined) return join(FIXTURES, app.file);
  mkdirSync(app.runFrom, { recursive: true });
  const target = join(app.runFrom, `bench-${app.file}`);
  copyFileSync(join(FIXTURES, app.file), target);
  return target;
}
