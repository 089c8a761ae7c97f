// Adversarial trace headers through the real CLI (#22): megabyte traceparents, a 200-member
// tracestate, 100 KB of baggage in thousands of members, zero and upper-case ids, version ff,
// non-ASCII bytes. Requests go over raw sockets, byte for byte (Node's http client refuses some of
// these values). The same requests go to the app run bare and under the CLI: every answer must
// be the same, a trace is continued only from a valid parent, and what the agent sends on, with
// fetch and with http.request, stays within the W3C limits and drops whole members only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { listenOnLoopback } from '../helpers/listen.mjs';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { FIXTURES, receiverEnv, spawnCli, spawnProcess } from '../helpers/run-cli.mjs';
import { assertChild, assertNoExporterSpans, find, uniqueSpans } from '../fixtures/http/harness.mjs';

const APP = join(FIXTURES, 'bad-headers', 'app.cjs');
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const PARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;
const MB = 1 << 20;
const MAX_TRACESTATE_MEMBERS = 32;
const MAX_BAGGAGE_MEMBERS = 180;
const MAX_BAGGAGE_BYTES = 8192;

const list = (n, member) => Array.from({ length: n }, (_, i) => member(i)).join(',');
const tracestate200 = list(200, (i) => `k${i}=v${i}`);
const tracestate32 = list(32, (i) => `vendor${i}=${'v'.repeat(i + 1)}`);
// ~100 KB: the 8192-byte budget is the limit that binds (about 80 members fit) …
const baggage100kb = list(1000, (i) => `key${String(i).padStart(4, '0')}=${'v'.repeat(92)}`);
// … and here the 180-member one.
const baggage5000 = list(5000, (i) => `k${i}=${i}`);

/** The leading members of a baggage-string that fit the limits: what we send on for a valid one. */
function leadingMembersThatFit(baggage) {
  const kept = [];
  let bytes = -1;
  for (const member of baggage.split(',')) {
    if (kept.length === MAX_BAGGAGE_MEMBERS || bytes + 1 + member.length > MAX_BAGGAGE_BYTES) break;
    bytes += 1 + member.length;
    kept.push(member);
  }
  return kept.join(',');
}

/**
 * Each case: the request headers (values are latin1: one char per byte on the wire), and
 * `parent` when the trace must be continued (else a fresh one starts), `tracestate` / `baggage`
 * when what goes on is known exactly.
 */
const W3C_CASES = [
  { name: 'valid-parent', headers: [['traceparent', PARENT]], parent: TRACE_ID },
  // A higher version: its first four fields are used, the rest ignored, and 00 goes on.
  { name: 'future-version-1mb', headers: [['traceparent', `cc-${TRACE_ID}-${SPAN_ID}-01-${'x'.repeat(MB)}`]], parent: TRACE_ID },
  { name: 'version-00-1mb', headers: [['traceparent', PARENT + 'x'.repeat(MB)]] },
  { name: 'version-ff', headers: [['traceparent', `ff-${TRACE_ID}-${SPAN_ID}-01`]] },
  { name: 'zero-trace-id', headers: [['traceparent', `00-${'0'.repeat(32)}-${SPAN_ID}-01`]] },
  { name: 'zero-span-id', headers: [['traceparent', `00-${TRACE_ID}-${'0'.repeat(16)}-01`]] },
  { name: 'upper-case-hex', headers: [['traceparent', `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`]] },
  { name: 'latin1-byte-in-traceparent', headers: [['traceparent', `00-${TRACE_ID.slice(0, 31)}\xe9-${SPAN_ID}-01`]] },
  { name: 'utf8-bytes-in-traceparent', headers: [['traceparent', `00-${TRACE_ID.slice(0, 30)}\xc3\xa9-${SPAN_ID}-01`]] },
  // More than 32 members: the tracestate is dropped whole, the traceparent still counts.
  { name: 'tracestate-200-members', headers: [['traceparent', PARENT], ['tracestate', tracestate200]], parent: TRACE_ID, tracestate: undefined },
  { name: 'tracestate-32-members', headers: [['traceparent', PARENT], ['tracestate', tracestate32]], parent: TRACE_ID, tracestate: tracestate32 },
  { name: 'tracestate-utf8', headers: [['traceparent', PARENT], ['tracestate', 'a=1,b=caf\xc3\xa9']], parent: TRACE_ID, tracestate: undefined },
  { name: 'baggage-100kb', headers: [['traceparent', PARENT], ['baggage', baggage100kb]], parent: TRACE_ID, baggage: leadingMembersThatFit(baggage100kb) },
  { name: 'baggage-5000-members', headers: [['baggage', baggage5000]], baggage: leadingMembersThatFit(baggage5000) },
  { name: 'baggage-utf8-member', headers: [['baggage', 'a=1,b=caf\xc3\xa9,c=3']], baggage: 'a=1,c=3' },
  // Within 64 members and 8192 bytes every member MUST go on, however large one of them is.
  { name: 'baggage-5000-byte-member', headers: [['baggage', `a=1,big=${'x'.repeat(5000)},b=2`]], baggage: `a=1,big=${'x'.repeat(5000)},b=2` },
  {
    name: 'all-at-once',
    headers: [['traceparent', PARENT + 'x'.repeat(MB)], ['tracestate', tracestate200], ['baggage', baggage100kb]],
    tracestate: undefined,
    baggage: leadingMembersThatFit(baggage100kb),
  },
];

const B3_CASES = [
  { name: 'b3-valid', headers: [['b3', `${TRACE_ID}-${SPAN_ID}-1`]], parent: TRACE_ID },
  { name: 'b3-64-bit-trace-id', headers: [['b3', `${TRACE_ID.slice(16)}-${SPAN_ID}-1`]], parent: '0'.repeat(16) + TRACE_ID.slice(16) },
  { name: 'b3-multi', headers: [['X-B3-TraceId', TRACE_ID], ['X-B3-SpanId', SPAN_ID], ['X-B3-Sampled', '1']], parent: TRACE_ID },
  { name: 'b3-1mb', headers: [['b3', `${TRACE_ID}-${SPAN_ID}-1-${'c'.repeat(MB)}`]] },
  { name: 'b3-upper-case', headers: [['b3', `${TRACE_ID.toUpperCase()}-${SPAN_ID}-1`]] },
  { name: 'b3-zero-ids', headers: [['b3', `${'0'.repeat(32)}-${SPAN_ID}-1`]] },
  // Node hands the byte 0xA0 over as U+00A0, which String#trim would have removed.
  { name: 'b3-nbsp', headers: [['b3', `\xa0${TRACE_ID}-${SPAN_ID}-1`]] },
  { name: 'b3-multi-upper-case', headers: [['X-B3-TraceId', TRACE_ID.toUpperCase()], ['X-B3-SpanId', SPAN_ID]] },
];

// A control character: Node's parser answers 400 before the app, or the agent, sees anything.
const REJECTED_BY_NODE = { name: 'control-char', headers: [['traceparent', `00-${TRACE_ID}-${SPAN_ID}\x01-01`]] };

/**
 * One request over a raw socket; resolves { status, body }. The socket is not half-closed after
 * the request: Node's server aborts a request whose client sent FIN before the answer.
 */
function sendRaw(port, path, headers) {
  const head =
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n` +
    headers.map(([name, value]) => `${name}: ${value}\r\n`).join('') +
    '\r\n';
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(Buffer.from(head, 'latin1')));
    const chunks = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(text.slice(9, 12)), body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

/** The app's downstream, in the test process: records the headers of each request by path. */
async function startDownstream() {
  const seen = new Map();
  const server = http.createServer((req, res) => {
    seen.set(req.url, req.headers);
    res.writeHead(200, { connection: 'close' }).end('ok');
  });
  const { url } = await listenOnLoopback(server);
  return { url, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function startApp(spawn) {
  const child = spawn();
  const [, port] = await child.waitForOutput(/listening (\d+)/);
  return { child, port: Number(port) };
}

/**
 * Runs the cases against the app bare and under the CLI; returns the agent run's spans and the
 * headers its downstream calls carried, after checking that every answer was the bare one.
 */
async function runCases(t, cases, env = {}) {
  const receiver = await startReceiver();
  const downstream = await startDownstream();
  t.after(() => Promise.all([receiver.close(), downstream.close()]));
  const requests = String(cases.length);
  const bare = await startApp(() => spawnProcess(process.execPath, [APP], { env: { REQUESTS: requests, DOWNSTREAM_URL: `${downstream.url}/bare` } }));
  const agent = await startApp(() => spawnCli(['node', APP], {
    env: receiverEnv(receiver, { REQUESTS: requests, DOWNSTREAM_URL: `${downstream.url}/agent`, OTEL_SERVICE_NAME: 'bad-headers', ...env }),
  }));

  // The rejected request first: the app exits once it has answered the others.
  for (const { name, headers } of [REJECTED_BY_NODE, ...cases]) {
    const path = `/case/${name}`;
    const expected = await sendRaw(bare.port, path, headers);
    const got = await sendRaw(agent.port, path, headers);
    assert.deepEqual(got, expected, `${name}: the same answer with and without the agent`);
    assert.equal(expected.status, name === REJECTED_BY_NODE.name ? 400 : 200, `${name}: ${expected.body}`);
  }
  for (const app of [bare, agent]) {
    const result = await app.child.result;
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /OTELI_E_/, 'no contained error either');
  }

  await receiver.waitForSpans((spans) => uniqueSpans(spans).length >= cases.length * 3);
  const spans = uniqueSpans(receiver.spans);
  assertNoExporterSpans(spans, receiver);
  assert.equal(spans.length, cases.length * 3);
  // Bare, the app forwards no trace header of its own: what the agent run carries is the agent's.
  for (const [path, headers] of downstream.seen) {
    if (path.startsWith('/bare/')) assert.deepEqual(Object.keys(headers).filter((h) => /traceparent|tracestate|baggage|b3/.test(h)), [], path);
  }
  return { spans, sent: (path) => downstream.seen.get(`/agent${path}`) };
}

/**
 * The trace of one case, and what its two outgoing requests carried:
 *   GET (SERVER /case/<name>)        child of the remote parent, or a root of a fresh trace
 *    ├─ GET (CLIENT …/fetch)
 *    └─ GET (CLIENT …/http)
 */
function checkCase(c, spans, sent) {
  const path = `/case/${c.name}`;
  const server = find(spans, (s) => s.kind === 'SERVER' && s.attributes['url.path'] === path, `SERVER span of ${c.name}`);
  if (c.parent) {
    assert.equal(server.traceId, c.parent, `${c.name}: the trace is continued`);
    assert.equal(server.parentSpanId, SPAN_ID, c.name);
  } else {
    assert.equal(server.parentSpanId, '', `${c.name}: a fresh trace, no parent`);
    assert.notEqual(server.traceId, TRACE_ID, c.name);
    assert.notEqual(server.traceId, '0'.repeat(16) + TRACE_ID.slice(16), c.name);
  }
  const outgoing = [];
  for (const via of ['fetch', 'http']) {
    const client = find(spans, (s) => s.kind === 'CLIENT' && s.attributes['url.full']?.endsWith(`/agent${path}/${via}`), `${via} CLIENT span of ${c.name}`);
    assertChild(client, server);
    const headers = sent(`${path}/${via}`);
    assert.ok(headers, `${c.name}: the ${via} request arrived`);
    // Always version 00, exactly 55 chars, whatever version came in.
    assert.equal(headers.traceparent, `00-${server.traceId}-${client.spanId}-01`, `${c.name} (${via})`);
    outgoing.push({ via, client, headers });
  }
  return outgoing;
}

function checkLimits(c, { via, headers }) {
  const what = `${c.name} (${via})`;
  if (headers.tracestate !== undefined) {
    const members = headers.tracestate.split(',');
    assert.ok(members.length <= MAX_TRACESTATE_MEMBERS, `${what}: ${members.length} tracestate members`);
  }
  if ('tracestate' in c) assert.equal(headers.tracestate, c.tracestate, what);
  const incoming = c.headers.find(([name]) => name === 'baggage')?.[1];
  if (incoming === undefined) {
    assert.equal(headers.baggage, undefined, what);
    return;
  }
  assert.ok(Buffer.byteLength(headers.baggage) <= MAX_BAGGAGE_BYTES, `${what}: ${Buffer.byteLength(headers.baggage)} bytes of baggage`);
  const sent = headers.baggage.split(',');
  assert.ok(sent.length <= MAX_BAGGAGE_MEMBERS, `${what}: ${sent.length} baggage members`);
  // Whole members only: each one sent is one that came in, never a cut one.
  const received = new Set(incoming.split(','));
  for (const member of sent) assert.ok(received.has(member), `${what}: ${member.slice(0, 40)}… is not a member that came in`);
  if ('baggage' in c) assert.equal(headers.baggage, c.baggage, what);
}

test('W3C headers: oversized, invalid and non-ASCII values are served as without the agent; limits hold on the way out', async (t) => {
  const { spans, sent } = await runCases(t, W3C_CASES);
  for (const c of W3C_CASES) {
    for (const out of checkCase(c, spans, sent)) checkLimits(c, out);
  }
});

test('OTEL_PROPAGATORS=tracecontext,baggage,b3: bad b3 values start a fresh trace, good ones continue it', async (t) => {
  const { spans, sent } = await runCases(t, B3_CASES, { OTEL_PROPAGATORS: 'tracecontext,baggage,b3' });
  for (const c of B3_CASES) {
    for (const { via, client, headers } of checkCase(c, spans, sent)) {
      assert.equal(headers.b3, `${client.traceId}-${client.spanId}-1`, `${c.name} (${via})`);
    }
  }
});
