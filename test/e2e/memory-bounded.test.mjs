// Memory stays bounded (#22) through the real CLI, with spans exported to a collector: an app
// that opens and ends a span per message for 200,000 messages (manual spans through the API,
// each across an await in its own context, under a long-lived span that gets an event per
// message), and long-lived HTTP streams (100,000 chunks; 50,000 server-sent events on one
// socket). The fixtures collect garbage at each checkpoint (--expose-gc) and print RSS and heap;
// growth after warm-up must stay small: per-message retention (a Map keyed per message, a span
// holding every event, a context kept by async hooks) would grow by tens of megabytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { decodeTraceRequest, normalizeProtoRequest } from '../helpers/otlp-proto.mjs';
import { listenOnLoopback } from '../helpers/listen.mjs';
import { FIXTURES, runCli } from '../helpers/run-cli.mjs';

const fixture = (name) => join(FIXTURES, 'huge-input', name);
const MB = 1024 * 1024;
/** Generous: the RSS of a healthy run moves by a few MB; V8 and glibc keep freed pages a while. */
const RSS_GROWTH_BOUND = 40 * MB;
/** Live heap after a full GC: flat in a healthy run (±1 MB); 200,000 retained messages are > 20 MB. */
const HEAP_GROWTH_BOUND = 10 * MB;

/**
 * A collector that counts what it receives instead of keeping it: 200,000 decoded spans kept in
 * the test process would cost more than the app under test. Keeps the spans `keepName` selects.
 */
async function startCountingCollector(keepName = () => false) {
  const counts = new Map();
  const kept = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.url.endsWith('/v1/traces')) {
        const request = decodeTraceRequest(Buffer.concat(chunks));
        // Counted off the decoded message; only the spans kept are normalized (the slow part).
        let wanted = false;
        for (const rs of request.resourceSpans) {
          for (const ss of rs.scopeSpans) {
            for (const span of ss.spans) {
              counts.set(span.name, (counts.get(span.name) ?? 0) + 1);
              wanted ||= keepName(span.name);
            }
          }
        }
        if (wanted) kept.push(...normalizeProtoRequest(request).filter((span) => keepName(span.name)));
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  const { url } = await listenOnLoopback(server);
  return {
    url,
    counts,
    kept,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
  };
}

/** `memory …label n rss heapUsed` lines → [{ label, n, rss, heap }]. */
function checkpoints(stdout) {
  return [...stdout.matchAll(/^memory (?:(\w+) )?(\d+) (\d+) (\d+)$/gm)].map(([, label = '', n, rss, heap]) => ({
    label,
    n: Number(n),
    rss: Number(rss),
    heap: Number(heap),
  }));
}

/** Growth of RSS and heap over the checkpoints after the first `warmup` ones; printed for the record. */
function assertBounded(points, warmup, what) {
  assert.ok(points.length > warmup + 2, `${what}: checkpoints printed: ${JSON.stringify(points)}`);
  const [base, ...rest] = points.slice(warmup);
  const rssGrowth = Math.max(...rest.map((p) => p.rss)) - base.rss;
  const heapGrowth = Math.max(...rest.map((p) => p.heap)) - base.heap;
  const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;
  const signed = (bytes) => `${bytes < 0 ? '' : '+'}${mb(bytes)}`;
  console.log(`${what}: RSS ${mb(base.rss)}, then at most ${signed(rssGrowth)}; heap ${mb(base.heap)}, then at most ${signed(heapGrowth)} (${rest.length} checkpoints)`);
  assert.ok(rssGrowth < RSS_GROWTH_BOUND, `${what}: RSS grew by ${mb(rssGrowth)}: ${points.map((p) => mb(p.rss)).join(' ')}`);
  assert.ok(heapGrowth < HEAP_GROWTH_BOUND, `${what}: the heap grew by ${mb(heapGrowth)}: ${points.map((p) => mb(p.heap)).join(' ')}`);
}

/**
 * --expose-gc: the fixtures collect garbage before each checkpoint. --max-semi-space-size: V8
 * sizes its young generation to the allocation rate, and on Node 24 (V8 13) doubles it once, to
 * 64 MB, well into a healthy run: a step of ~25 MB of RSS with a flat heap, not a leak. Fixed at
 * 8 MB per semi-space, RSS shows what stays.
 */
const NODE_FLAGS = ['--expose-gc', '--max-semi-space-size=8'];

/** Batches that drain as fast as the app makes spans: a queue that fills only drops (bounded), it must not hide a leak. */
function exportEnv(collector) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_BSP_SCHEDULE_DELAY: '20',
    OTEL_BSP_MAX_QUEUE_SIZE: '8192',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048',
  };
}

test('a span per message, 200,000 messages through @opentelemetry/api: every span exported, memory flat, the long-lived span keeps 128 events', async () => {
  const collector = await startCountingCollector((name) => name === 'stream');
  try {
    const run = await runCli(['node', ...NODE_FLAGS, fixture('spans-per-message.mjs')], { env: exportEnv(collector), timeoutMs: 60_000 });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.doesNotMatch(run.stderr, /OTELI_W_BSP_QUEUE_FULL|OTELI_W_EXPORT/, run.stderr);
    // The first checkpoint (20,000 messages) is the warm-up: code compiled, pools and queue sized.
    assertBounded(checkpoints(run.stdout), 1, 'spans per message');
    assert.equal(collector.counts.get('message'), 200_000);
    // stream (INTERNAL)   200,000 addEvent calls: 128 kept (OTEL_SPAN_EVENT_COUNT_LIMIT), the rest counted
    const [stream] = collector.kept;
    assert.equal(stream.events.length, 128);
    assert.equal(stream.droppedEventsCount, 200_000 - 128);
  } finally {
    await collector.close();
  }
});

test('long-lived HTTP streams: 100,000 response chunks and 50,000 server-sent events on one socket, memory flat, one span each', async () => {
  const collector = await startCountingCollector();
  try {
    const run = await runCli(['node', ...NODE_FLAGS, fixture('long-streams.cjs')], { env: exportEnv(collector), timeoutMs: 60_000 });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const results = JSON.parse(/^results (.*)$/m.exec(run.stdout)[1]);
    assert.deepEqual(results, { streamed: 100_000 * 512, events: 50_000 });
    // The warm-up (a short stream and a short event stream, loading undici for fetch) is labelled so.
    const points = checkpoints(run.stdout).filter((p) => p.label !== 'warmup');
    assertBounded(points, 0, 'long-lived streams');
    // GET /stream (SERVER) + GET (CLIENT), GET /sse (SERVER) + GET (CLIENT fetch), for the warm-up too
    const deadline = Date.now() + 5000;
    while ((collector.counts.get('GET') ?? 0) < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(collector.counts.get('GET'), 8, JSON.stringify([...collector.counts]));
  } finally {
    await collector.close();
  }
});

test("idle kept-alive connections do not keep their last request's span alive once it is exported", async () => {
  // Node's own 'finish' listener sets the connection's keep-alive timer, which keeps the context
  // it was set in: the SERVER span's, with the web record, the span and its attributes, until the
  // connection's next request or its keep-alive timeout. After the response the events run in a
  // context that keeps only the span's ids (request-events.ts, eventContext).
  const collector = await startCountingCollector();
  try {
    const run = await runCli(['node', '--expose-gc', fixture('idle-keepalive.cjs')], { env: exportEnv(collector), timeoutMs: 30_000 });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.equal(collector.counts.get('GET'), 100, 'the 50 SERVER spans and the 50 CLIENT spans were exported first');
    assert.match(run.stdout, /^alive 0 of 50 open 50$/m, run.stdout);
  } finally {
    await collector.close();
  }
});

/**
 * Runs queued-spans.cjs through the CLI, exporting to a counting collector of its own, with `env`
 * added: the run, and the spans the collector received by name.
 */
async function runQueuedSpans(env) {
  const collector = await startCountingCollector();
  try {
    const run = await runCli(['node', '--expose-gc', fixture('queued-spans.cjs')], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_METRICS_EXPORTER: 'none', ...env },
      timeoutMs: 30_000,
    });
    return { run, received: [...collector.counts].sort() };
  } finally {
    await collector.close();
  }
}

test('spans waiting for their batch are held as their OTLP/protobuf encoding, not as span objects', async () => {
  // A span object kept for its batch of 512 outlives the young generation's collections under
  // load; every 32 that end are encoded soon after, and only their bytes wait.
  const { run, received } = await runQueuedSpans({ OTEL_BSP_SCHEDULE_DELAY: '60000' });
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^alive 0 of 128$/m, run.stdout);
  // And they arrive whole at exit, decoded by protobufjs.
  assert.deepEqual(received, [['queued even', 64], ['queued odd', 64]]);
  // An exporter that cannot prepare (the console's) keeps the objects: what the test tells apart.
  const { run: unprepared } = await runQueuedSpans({ OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_TRACES_EXPORTER: 'console' });
  assert.equal(unprepared.code, 0, unprepared.stderr);
  assert.match(unprepared.stdout, /^alive 128 of 128$/m);
});

test('spans prepared as one run and exported in batches that end inside it arrive once each', async () => {
  // Batches of 50 from runs of prepared spans of one scope: the queue splits the runs it cuts.
  const { run, received } = await runQueuedSpans({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '50' });
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /OTELI_E_/);
  assert.deepEqual(received, [['queued even', 64], ['queued odd', 64]]);
});
