// Every kind of collector trouble, over OTLP/HTTP and OTLP/gRPC, against one app that serves and
// calls itself (test/fixtures/faults/self-load.js): what the app printed and its exit code are
// those of a run against a healthy collector, its request latency does not follow the
// collector's, the exit ends within the shutdown timeout, and the trouble is said in a few
// lines, never one per export.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import grpc from '@grpc/grpc-js';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { startGrpcReceiver, startRawGrpcServer, never } from '../helpers/otlp-grpc-receiver.mjs';
import { agentWarnings, runCli, FIXTURES } from '../helpers/run-cli.mjs';
import { listenOnLoopback, unusedPort } from '../helpers/listen.mjs';
import { hasOpenssl, makeSelfSignedCertificate } from '../helpers/tls.mjs';

const APP = join(FIXTURES, 'faults', 'self-load.js');
const SHUTDOWN_TIMEOUT_MS = 1500;
/** Room for start-up and a loaded CI machine above the shutdown timeout. A bound, not a benchmark. */
const EXIT_MARGIN_MS = 4000;
/**
 * Sequential loopback requests take a millisecond or two; an export on the request path would
 * make them wait for the collector: seconds for the slow one, forever for the silent ones.
 */
const P95_BOUND_MS = 250;
const MAX_BOUND_MS = 2000;

const APP_ENV = {
  REQUESTS: '200',
  EXIT_CODE: '3',
  // Many small exports while the app runs, so the trouble meets the requests.
  OTEL_BSP_SCHEDULE_DELAY: '20',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '20',
  OTEL_NODE_SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT_MS),
  OTEL_METRICS_EXPORTER: 'none',
};

async function runApp(env) {
  const started = performance.now();
  const run = await runCli(['node', APP], { env: { ...APP_ENV, ...env }, timeoutMs: 60000 });
  const [transcript, figures] = run.stdout.trim().split('\n');
  return { ...run, elapsedMs: performance.now() - started, transcript, figures: figures && JSON.parse(figures) };
}


/** An HTTP collector answering every export with the same status and headers. */
async function answeringAlways(status, headers = {}, body = '') {
  const server = createHttpServer((req, res) => {
    req.resume().on('end', () => res.writeHead(status, headers).end(body));
  });
  const { url } = await listenOnLoopback(server);
  return { env: { OTEL_EXPORTER_OTLP_ENDPOINT: url }, close: () => closeServer(server) };
}

function closeServer(server) {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A TCP server that does `onSocket` with every connection. */
async function rawTcp(onSocket) {
  const sockets = new Set();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {}).on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  const { url } = await listenOnLoopback(server);
  return {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: url },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const grpcEnv = (url) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });

const FAULTS = {
  'down (closed port)': async () => ({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await unusedPort()}` }, close() {} }),
  'refuses mid-run (closes its port after two exports)': async () => {
    let exports = 0;
    const server = createHttpServer((req, res) => {
      req.resume().on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        if (++exports === 2) void closeServer(server);
      });
    });
    const { url } = await listenOnLoopback(server);
    return { env: { OTEL_EXPORTER_OTLP_ENDPOINT: url }, close: () => (server.listening ? closeServer(server) : undefined) };
  },
  'hangs (accepts, never answers)': () => rawTcp(() => {}),
  'slow (answers after 10 s)': async () => {
    const timers = new Set();
    const server = createHttpServer((req, res) => {
      req.resume();
      timers.add(setTimeout(() => res.writeHead(200).end(), 10000));
    });
    const { url } = await listenOnLoopback(server);
    return {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: url },
      close: () => {
        for (const timer of timers) clearTimeout(timer);
        return closeServer(server);
      },
    };
  },
  'answers 500': () => answeringAlways(500, {}, 'internal error'),
  'answers 503 with Retry-After': () => answeringAlways(503, { 'retry-after': '1' }),
  'answers 503 without Retry-After': () => answeringAlways(503),
  'answers 429 with Retry-After': () => answeringAlways(429, { 'retry-after': '2' }),
  'answers 429 without Retry-After': () => answeringAlways(429),
  'answers 200 with a garbage body': () => answeringAlways(200, { 'content-type': 'application/x-protobuf' }, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99])),
  'closes the connection mid-response': () =>
    rawTcp((socket) =>
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 100\r\n\r\nabc');
        setTimeout(() => socket.destroy(), 5);
      }),
    ),
  'presents a certificate nobody trusts': async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oteli-badcert-'));
    const pem = makeSelfSignedCertificate(dir);
    const server = createTlsServer({ key: readFileSync(pem.key), cert: readFileSync(pem.cert) }, (req, res) => req.resume().on('end', () => res.end()));
    const { url } = await listenOnLoopback(server, { tls: true });
    return {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: url },
      close: async () => {
        await closeServer(server);
        rmSync(dir, { recursive: true, force: true });
      },
      needsOpenssl: true,
    };
  },
  'grpc: UNAVAILABLE to every call': async () => {
    const receiver = await startGrpcReceiver({ responses: Array.from({ length: 10000 }, () => ({ code: grpc.status.UNAVAILABLE, details: 'overloaded' })) });
    return { env: grpcEnv(receiver.url), close: () => receiver.close() };
  },
  'grpc: a server that never answers': async () => {
    const server = await startRawGrpcServer({ handler: never });
    return { env: grpcEnv(server.url), close: () => server.close() };
  },
  'grpc: GOAWAY on every call': async () => {
    const server = await startRawGrpcServer({
      handler: (stream) => {
        stream.session.goaway(grpc.status.UNAVAILABLE);
        stream.session.destroy();
      },
    });
    return { env: grpcEnv(server.url), close: () => server.close() };
  },
};

describe('collector trouble never reaches the app', { concurrency: 2 }, () => {
  let baseline;
  before(async () => {
    const receiver = await startReceiver();
    try {
      baseline = await runApp({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      // 200 requests: a SERVER and a CLIENT span each, all delivered to a healthy collector.
      await receiver.waitForSpans(400);
    } finally {
      await receiver.close();
    }
    assert.equal(baseline.code, 3, baseline.stderr);
    assert.deepEqual(agentWarnings(baseline.stderr), []);
  });

  for (const [name, startFault] of Object.entries(FAULTS)) {
    it(`collector ${name}`, { skip: name.includes('certificate') && !hasOpenssl && 'openssl CLI not found' }, async () => {
      const fault = await startFault();
      let run;
      try {
        run = await runApp(fault.env);
      } finally {
        await fault.close();
      }
      const lines = agentWarnings(run.stderr);
      const report = `exit ${run.code}, ${Math.round(run.elapsedMs)} ms, ${JSON.stringify(run.figures)}\n${run.stderr}`;
      assert.equal(run.code, baseline.code, report);
      assert.equal(run.transcript, baseline.transcript, report);
      assert.ok(run.figures.p95Ms < P95_BOUND_MS && run.figures.maxMs < MAX_BOUND_MS, `request latency followed the collector's: ${report}`);
      assert.ok(run.elapsedMs < baseline.elapsedMs + SHUTDOWN_TIMEOUT_MS + EXIT_MARGIN_MS, `exit held past the shutdown timeout: ${report}`);
      // A few lines that name the trouble, each once: never one per export or per span.
      assert.ok(lines.length >= 1 && lines.length <= 3, report);
      const codes = lines.map((line) => line.match(/OTELI_[WE]_[A-Z_]+/)?.[0]);
      assert.equal(new Set(codes).size, codes.length, report);
      assert.ok(codes.every((code) => code?.startsWith('OTELI_W_')), report);
    });
  }
});
