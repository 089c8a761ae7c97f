// ConsoleSpanExporter: a readable tree per trace, on stderr only (the app's stdout is untouched).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const consoleExporterPath = require.resolve('../../dist/exporters/console-exporter.js');
const { ConsoleSpanExporter, formatTraceTrees } = require(consoleExporterPath);

const TRACE_A = '0af7651916cd43dd8448eb211c80319c';
const TRACE_B = '4bf92f3577b34da6a3ce929d0e0e4736';
const RESOURCE = { attributes: { 'service.name': 'shop' }, droppedAttributesCount: 0 };

function span({ name, kind = 0, traceId = TRACE_A, spanId, parentSpanId, startMs, durationMs, attributes = {}, status = { code: 0 } }) {
  const context = { traceId, spanId, traceFlags: 1 };
  return {
    name, kind, spanContext: () => context, parentSpanId, parentIsRemote: false,
    startTimeUnixMs: 1700000000000 + startMs, endTimeUnixMs: 1700000000000 + startMs + durationMs,
    attributes, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0,
    status, resource: RESOURCE, scope: { name: 'test' },
  };
}

// Deliberately out of order: children before parents, later siblings first.
const BATCH = [
  span({ name: 'SELECT users', kind: 2, spanId: 'c000000000000002', parentSpanId: 'a000000000000001', startMs: 5, durationMs: 4.14,
    attributes: { 'db.system.name': 'postgresql', 'db.query.text': `SELECT * FROM users WHERE id = ? ${'AND x = ? '.repeat(20)}` } }),
  span({ name: 'middleware - auth', spanId: 'b000000000000002', parentSpanId: 'a000000000000001', startMs: 1, durationMs: 0.5 }),
  span({ name: 'GET /users/:id', kind: 1, spanId: 'a000000000000001', startMs: 0, durationMs: 12.34,
    attributes: { 'url.path': '/users/7', 'http.response.status_code': 500, 'http.route': '/users/:id', 'user_agent.original': 'curl', 'client.address': '::1' },
    status: { code: 2, message: 'boom' } }),
  span({ name: 'GET', kind: 2, traceId: TRACE_B, spanId: 'd000000000000001', parentSpanId: 'ffffffffffffffff', startMs: 2, durationMs: 1 }),
];

test('console: one tree per trace, parent before children, orphans marked', () => {
  const lines = formatTraceTrees(BATCH).trimEnd().split('\n');
  // trace A: GET /users/:id (SERVER, ERROR)
  //           ├─ middleware - auth
  //           └─ SELECT users (CLIENT)
  // trace B:  GET (CLIENT, parent not in the batch)
  assert.equal(lines.length, 6);
  assert.equal(lines[0], `trace ${TRACE_A}  service=shop  3 spans`);
  assert.equal(
    lines[1],
    'GET /users/:id  SERVER  12.3 ms  ERROR(boom)  http.response.status_code=500 http.route=/users/:id url.path=/users/7 user_agent.original=curl',
  );
  assert.equal(lines[2], '├─ middleware - auth  INTERNAL  0.5 ms');
  assert.match(lines[3], /^└─ SELECT users {2}CLIENT {2}4\.1 ms {2}db\.system\.name=postgresql db\.query\.text=SELECT \* FROM users WHERE id = \?.*…$/);
  assert.ok(lines[3].length < 200, 'long attribute values are truncated');
  assert.equal(lines[4], `trace ${TRACE_B}  service=shop  1 span`);
  assert.equal(lines[5], 'GET  CLIENT  1.0 ms  (parent ffffffffffffffff)');
});

test('console: a parent cycle in a malformed batch neither loops nor loses spans', () => {
  const cyclic = [
    span({ name: 'x', spanId: '0000000000000001', parentSpanId: '0000000000000002', startMs: 0, durationMs: 1 }),
    span({ name: 'y', spanId: '0000000000000002', parentSpanId: '0000000000000001', startMs: 0, durationMs: 1 }),
  ];
  const text = formatTraceTrees(cyclic);
  assert.match(text, /^x {2}/m);
  assert.match(text, /y {2}INTERNAL/);
});

test('console: export() and exportSync() write to stderr, never stdout', () => {
  const script = `
    const { ConsoleSpanExporter } = require(${JSON.stringify(consoleExporterPath)});
    const context = { traceId: '${TRACE_A}', spanId: 'a000000000000001', traceFlags: 1 };
    const s = { name: 'GET /', kind: 1, spanContext: () => context, parentSpanId: undefined, parentIsRemote: false,
      startTimeUnixMs: 0, endTimeUnixMs: 2, attributes: {}, droppedAttributesCount: 0, events: [], droppedEventsCount: 0,
      links: [], droppedLinksCount: 0, status: { code: 0 }, resource: { attributes: {}, droppedAttributesCount: 0 }, scope: { name: 't' } };
    const exporter = new ConsoleSpanExporter();
    exporter.export([s]).then((r) => { exporter.exportSync([{ ...s, name: 'sync-span' }]); process.exitCode = r.code; });`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(result.status, 0);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /GET \/ {2}SERVER {2}2\.0 ms/);
  assert.match(result.stderr, /sync-span {2}SERVER/);
  assert.match(result.stderr, /service=unknown/);
});

test('console: after shutdown nothing is printed', async () => {
  const exporter = new ConsoleSpanExporter();
  await exporter.shutdown();
  const result = await exporter.export(BATCH);
  assert.equal(result.code, 1);
});
