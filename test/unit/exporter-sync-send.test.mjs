// exportSync: the process.exit() path. spawnSync blocks this process's event loop, so the
// receiving server lives in a child process and reports each request on its stdout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { decodeTraceRequest, normalizeProtoRequest } from '../helpers/otlp-proto.mjs';

const require = createRequire(import.meta.url);
const { OtlpTraceExporter: OtlpHttpExporter } = require('../../dist/exporters/otlp-trace-exporter.js');
const { resetLogOnce } = require('../../dist/log.js');

const RECEIVER = `
  const http = require('node:http');
  const status = Number(process.argv[1] ?? 200);
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      process.stdout.write(JSON.stringify({ headers: req.headers, body: body.toString('base64') }) + '\\n');
      res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
`;

const receivers = [];
after(() => receivers.forEach((r) => r.kill()));

/** A receiver in its own process; `next()` resolves with the next request it reports. */
async function startReceiverProcess(status = 200) {
  const child = spawn(process.execPath, ['-e', RECEIVER, String(status)], { stdio: ['ignore', 'pipe', 'inherit'] });
  receivers.push(child);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const { port } = JSON.parse((await lines.next()).value);
  const next = async () => {
    const { value } = await lines.next();
    const parsed = JSON.parse(value);
    return { headers: parsed.headers, body: Buffer.from(parsed.body, 'base64') };
  };
  return { child, url: `http://127.0.0.1:${port}/v1/traces`, next };
}

function makeSpans(n) {
  const resource = { attributes: { 'service.name': 'svc' }, droppedAttributesCount: 0 };
  const scope = { name: 'test', version: '1.0.0' };
  return Array.from({ length: n }, (_, i) => {
    const context = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: (i + 1).toString(16).padStart(16, '0'), traceFlags: 1 };
    return {
      name: `span-${i}`,
      kind: 0,
      spanContext: () => context,
      parentSpanId: undefined,
      parentIsRemote: false,
      startTimeUnixMs: 1700000000000 + i,
      endTimeUnixMs: 1700000000001 + i,
      attributes: { 'http.route': '/users/:id', 'url.path': `/users/${i}`, 'http.response.status_code': 200 },
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 0 },
      resource,
      scope,
    };
  });
}

function config(endpoint, overrides = {}) {
  return { endpoint, protocol: 'http/protobuf', headers: { 'x-tenant': 't1' }, timeoutMs: 5000, compression: 'none', ...overrides };
}

test('exportSync delivers 100 spans to a receiver in another process before returning', async (t) => {
  const receiver = await startReceiverProcess();
  const exporter = new OtlpHttpExporter(config(receiver.url));
  const spans = makeSpans(100);
  const startedMs = performance.now();
  exporter.exportSync(spans, 5000);
  const elapsedMs = performance.now() - startedMs;
  t.diagnostic(`exportSync of 100 spans took ${elapsedMs.toFixed(1)} ms`);

  const request = await receiver.next();
  assert.equal(request.headers['content-type'], 'application/x-protobuf');
  assert.equal(request.headers['x-tenant'], 't1');
  assert.match(request.headers['user-agent'], /^otel-instrument\//);
  const names = normalizeProtoRequest(decodeTraceRequest(request.body)).map((s) => s.name);
  assert.equal(names.length, 100);
  assert.equal(names[99], 'span-99');
});

test('exportSync with gzip sends a gzip body', async () => {
  const receiver = await startReceiverProcess();
  const exporter = new OtlpHttpExporter(config(receiver.url, { compression: 'gzip', protocol: 'http/json' }));
  exporter.exportSync(makeSpans(3), 5000);
  const request = await receiver.next();
  assert.equal(request.headers['content-encoding'], 'gzip');
  assert.equal(request.headers['content-type'], 'application/json');
  const body = JSON.parse(gunzipSync(request.body).toString('utf8'));
  assert.equal(body.resourceSpans[0].scopeSpans[0].spans.length, 3);
});

test('the sender does not inherit NODE_OPTIONS (it must not preload the agent again)', async () => {
  const receiver = await startReceiverProcess();
  const exporter = new OtlpHttpExporter(config(receiver.url));
  const saved = process.env.NODE_OPTIONS;
  // If the child inherited this it would fail to start and nothing would arrive.
  process.env.NODE_OPTIONS = '--require /nonexistent/preload.js';
  try {
    exporter.exportSync(makeSpans(1), 5000);
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
  const request = await receiver.next();
  assert.equal(normalizeProtoRequest(decodeTraceRequest(request.body)).length, 1);
});

test('exportSync failures are logged, never thrown: refused port, error status, no time', async () => {
  resetLogOnce();
  const lines = [];
  const originalWrite = process.stderr.write;
  process.stderr.write = (chunk) => (lines.push(String(chunk)), true);
  try {
    const receiver = await startReceiverProcess(503);
    new OtlpHttpExporter(config(receiver.url)).exportSync(makeSpans(1), 5000);
    await receiver.next();
    new OtlpHttpExporter(config('http://127.0.0.1:1/v1/traces')).exportSync(makeSpans(1), 5000);
    new OtlpHttpExporter(config(receiver.url)).exportSync(makeSpans(1), 0);
  } finally {
    process.stderr.write = originalWrite;
  }
  const warned = lines.filter((l) => l.includes('OTELI_W_EXPORT_SYNC'));
  assert.equal(warned.length, 3, warned.join(''));
  assert.match(warned[0], /HTTP 503/);
  assert.match(warned[1], /ECONNREFUSED/);
  assert.match(warned[2], /no time left/);
});

test('exportSync against a server that never answers returns once the child is killed', async () => {
  // The server lives in another process that accepts and never answers.
  const hang = spawn(process.execPath, ['-e', `
    const s = require('node:net').createServer(() => {});
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`], { stdio: ['ignore', 'pipe', 'inherit'] });
  receivers.push(hang);
  const [line] = await once(createInterface({ input: hang.stdout }), 'line');
  resetLogOnce();
  const lines = [];
  const originalWrite = process.stderr.write;
  process.stderr.write = (chunk) => (lines.push(String(chunk)), true);
  try {
    new OtlpHttpExporter(config(`http://127.0.0.1:${line.trim()}/v1/traces`)).exportSync(makeSpans(1), 300);
  } finally {
    process.stderr.write = originalWrite;
  }
  // Either the child's own guard or spawnSync's kill ended it; both are reported, neither throws.
  assert.match(lines.join(''), /OTELI_W_EXPORT_SYNC.*(no answer|killed|ETIMEDOUT)/);
});

test('an export in flight never holds the process open', () => {
  // The child exports to a server that never answers with a 60 s timeout; it must still exit
  // as soon as its own work is done, not when the export gives up.
  const script = `
    const http = require('node:http');
    const { OtlpTraceExporter: OtlpHttpExporter } = require(${JSON.stringify(require.resolve('../../dist/exporters/otlp-trace-exporter.js'))});
    // Ref'd until the request is in flight; after that only the exporter's handles remain.
    const untilRequest = setTimeout(() => {}, 60000);
    const server = http.createServer(() => { console.log('request-received'); clearTimeout(untilRequest); });
    // The server side must not hold the child either: only the exporter is under test.
    server.on('connection', (socket) => socket.unref());
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      const url = 'http://127.0.0.1:' + server.address().port + '/v1/traces';
      const exporter = new OtlpHttpExporter({ endpoint: url, protocol: 'http/protobuf', headers: {}, timeoutMs: 60000, compression: 'none' });
      const context = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '00f067aa0ba902b7', traceFlags: 1 };
      exporter.export([{ name: 'x', kind: 0, spanContext: () => context, parentSpanId: undefined, parentIsRemote: false,
        startTimeUnixMs: 1, endTimeUnixMs: 2, attributes: {}, droppedAttributesCount: 0, events: [], droppedEventsCount: 0,
        links: [], droppedLinksCount: 0, status: { code: 0 }, resource: { attributes: {}, droppedAttributesCount: 0 }, scope: { name: 't' } }]);
    });`;
  const result = spawnSync(process.execPath, ['-e', script], { timeout: 30_000, encoding: 'utf8' });
  assert.equal(result.signal, null, 'the child had to be killed: something held it open');
  assert.equal(result.status, 0);
  assert.match(result.stdout, /request-received/);
});
