// BatchSpanProcessor (OTel SDK spec, OTEL_BSP_*) and MultiSpanProcessor, against a scripted
// exporter whose exports settle only when the test says so. No sleeps: every wait is for an event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const require = createRequire(import.meta.url);
const { BatchSpanProcessor } = require('../../dist/sdk/batch-processor.js');
const { MultiSpanProcessor } = require('../../dist/sdk/multi-processor.js');
const { resetLogOnce } = require('../../dist/log.js');

const NEVER = 1e9; // a schedule delay that never fires during a test

function makeSpan(i, traceFlags = 1) {
  const context = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: i.toString(16).padStart(16, '0'), traceFlags };
  return { name: `s${i}`, spanContext: () => context };
}
const names = (spans) => spans.map((s) => s.name);

/** An exporter recording batches; `autoSettle: false` keeps each export pending until settle(). */
function scriptedExporter({ autoSettle = true, results = [] } = {}) {
  const exporter = {
    batches: [],
    syncBatches: [],
    pending: [],
    inFlight: 0,
    maxInFlight: 0,
    shutdownCalls: 0,
    waiters: [],
    export(spans) {
      exporter.batches.push(spans.slice());
      exporter.inFlight++;
      exporter.maxInFlight = Math.max(exporter.maxInFlight, exporter.inFlight);
      const done = new Promise((resolve) => {
        const result = results.shift() ?? { code: 0 };
        const settle = () => { exporter.inFlight--; resolve(result); };
        if (autoSettle) setImmediate(settle);
        else exporter.pending.push(settle);
      });
      exporter.waiters.filter((w) => exporter.batches.length >= w.n).forEach((w) => w.resolve());
      return done;
    },
    exportSync(spans, timeoutMs) {
      exporter.syncBatches.push({ spans: spans.slice(), timeoutMs });
      return true;
    },
    shutdown() {
      exporter.shutdownCalls++;
      return Promise.resolve();
    },
    /** Resolves once at least n export() calls happened. */
    exportCalls(n) {
      if (exporter.batches.length >= n) return Promise.resolve();
      return new Promise((resolve) => exporter.waiters.push({ n, resolve }));
    },
  };
  return exporter;
}

function bsp(exporter, overrides = {}) {
  return new BatchSpanProcessor(exporter, {
    scheduleDelayMs: NEVER, exportTimeoutMs: 30000, maxQueueSize: 2048, maxExportBatchSize: 512, lossReportIntervalMs: 60000, ...overrides,
  });
}

/** Our timers are unref'd; a ref'd handle keeps the test alive while it awaits them. */
async function alive(promise) {
  const keep = setInterval(() => {}, 60_000);
  try { return await promise; } finally { clearInterval(keep); }
}

test('OTEL_BSP_MAX_EXPORT_BATCH_SIZE: a full batch is exported without waiting for the delay', async () => {
  const exporter = scriptedExporter();
  const processor = bsp(exporter, { maxExportBatchSize: 3 });
  for (let i = 0; i < 4; i++) processor.onEnd(makeSpan(i));
  await alive(exporter.exportCalls(1));
  assert.deepEqual(names(exporter.batches[0]), ['s0', 's1', 's2']);
  assert.equal(processor.queuedSpanCount, 1);
});

test('OTEL_BSP_SCHEDULE_DELAY: a partial batch is exported when the delay elapses', async () => {
  const exporter = scriptedExporter();
  const processor = bsp(exporter, { scheduleDelayMs: 1, maxExportBatchSize: 100 });
  processor.onEnd(makeSpan(1));
  processor.onEnd(makeSpan(2));
  await alive(exporter.exportCalls(1));
  assert.deepEqual(names(exporter.batches[0]), ['s1', 's2']);
});

test('OTEL_BSP_MAX_QUEUE_SIZE: a full queue drops new spans, counts them, warns once', async () => {
  resetLogOnce();
  const lines = [];
  const originalWrite = process.stderr.write;
  process.stderr.write = (chunk) => (lines.push(String(chunk)), true);
  const exporter = scriptedExporter({ autoSettle: false });
  const processor = bsp(exporter, { maxQueueSize: 4, maxExportBatchSize: 2 });
  try {
    processor.onEnd(makeSpan(0));
    processor.onEnd(makeSpan(1));
    await alive(exporter.exportCalls(1)); // s0, s1 in flight and held there
    for (let i = 2; i < 9; i++) processor.onEnd(makeSpan(i)); // 4 fit, 3 dropped
  } finally {
    process.stderr.write = originalWrite;
  }
  assert.equal(processor.queuedSpanCount, 4);
  assert.equal(processor.droppedSpanCount, 3);
  assert.equal(lines.filter((l) => l.includes('OTELI_W_BSP_QUEUE_FULL')).length, 1);

  exporter.pending.shift()();
  const flushed = processor.forceFlush();
  while (exporter.batches.length < 3) {
    await alive(exporter.exportCalls(exporter.batches.length + 1));
    exporter.pending.shift()();
  }
  await alive(flushed);
  assert.deepEqual(exporter.batches.map(names), [['s0', 's1'], ['s2', 's3'], ['s4', 's5']]);
});

test('at most one export in flight; forceFlush drains everything in batches, in order', async () => {
  const exporter = scriptedExporter();
  const processor = bsp(exporter, { maxExportBatchSize: 3 });
  for (let i = 0; i < 10; i++) processor.onEnd(makeSpan(i));
  await alive(processor.forceFlush());
  assert.equal(exporter.maxInFlight, 1);
  assert.deepEqual(exporter.batches.map((b) => b.length), [3, 3, 3, 1]);
  assert.deepEqual(exporter.batches.flat().map((s) => s.name), Array.from({ length: 10 }, (_, i) => `s${i}`));
  assert.equal(processor.queuedSpanCount, 0);
});

test('forceFlush on an empty processor resolves without exporting', async () => {
  const exporter = scriptedExporter();
  await bsp(exporter).forceFlush();
  assert.equal(exporter.batches.length, 0);
});

test('unsampled spans (traceFlags without the sampled bit) are not queued', async () => {
  const exporter = scriptedExporter();
  const processor = bsp(exporter);
  processor.onEnd(makeSpan(1, 0));
  processor.onEnd(makeSpan(2, 1));
  processor.onEnd(makeSpan(3, 2)); // another flag bit, but not "sampled"
  assert.equal(processor.queuedSpanCount, 1);
  await alive(processor.forceFlush());
  assert.deepEqual(exporter.batches.map(names), [['s2']]);
});

test('shutdown flushes, shuts the exporter down, then ignores new spans', async () => {
  const exporter = scriptedExporter();
  const processor = bsp(exporter);
  processor.onEnd(makeSpan(1));
  const first = processor.shutdown();
  assert.equal(processor.shutdown(), first, 'idempotent');
  await alive(first);
  assert.equal(exporter.shutdownCalls, 1);
  processor.onEnd(makeSpan(2));
  assert.equal(processor.queuedSpanCount, 0);
  await alive(processor.forceFlush());
  assert.deepEqual(exporter.batches.map(names), [['s1']]);
});

test('OTEL_BSP_EXPORT_TIMEOUT: a hung export is abandoned and the next batch goes out', async () => {
  const exporter = scriptedExporter({ autoSettle: false }); // never settles
  const processor = bsp(exporter, { maxExportBatchSize: 1, exportTimeoutMs: 1 });
  processor.onEnd(makeSpan(1));
  processor.onEnd(makeSpan(2));
  await alive(exporter.exportCalls(2));
  assert.deepEqual(exporter.batches.map(names), [['s1'], ['s2']]);
});

test('an exporter that throws or rejects is contained', async () => {
  const thrower = { export() { throw new Error('sync boom'); }, shutdown: async () => {} };
  const rejecter = { export: () => Promise.reject(new Error('async boom')), shutdown: async () => {} };
  for (const exporter of [thrower, rejecter]) {
    const processor = bsp(exporter);
    processor.onEnd(makeSpan(1));
    await alive(processor.forceFlush());
    assert.equal(processor.queuedSpanCount, 0);
  }
});

test('flushSync hands the in-flight batch and everything queued to exportSync, once', async () => {
  const exporter = scriptedExporter({ autoSettle: false });
  const processor = bsp(exporter, { maxExportBatchSize: 2 });
  processor.onEnd(makeSpan(0));
  processor.onEnd(makeSpan(1));
  await alive(exporter.exportCalls(1)); // [s0, s1] in flight, will never complete (process exiting)
  processor.onEnd(makeSpan(2));
  processor.onEnd(makeSpan(3));
  processor.onEnd(makeSpan(4));

  processor.flushSync(1234);
  assert.equal(exporter.syncBatches.length, 1);
  assert.deepEqual(names(exporter.syncBatches[0].spans), ['s0', 's1', 's2', 's3', 's4']);
  assert.equal(exporter.syncBatches[0].timeoutMs, 1234);
  assert.deepEqual(names(exporter.batches[0]), ['s0', 's1'], 'the in-flight array is not mutated');

  processor.flushSync(1234); // nothing left: no second call
  assert.equal(exporter.syncBatches.length, 1);
});

test('flushSync does not send again an in-flight batch the exporter has already handed off', async () => {
  const exporter = scriptedExporter({ autoSettle: false });
  const handedOff = new Set();
  const realExport = exporter.export;
  exporter.export = (spans) => {
    handedOff.add(spans); // as if every byte were already on the socket
    return realExport(spans);
  };
  exporter.isHandedOff = (spans) => handedOff.has(spans);
  const processor = bsp(exporter, { maxExportBatchSize: 2 });
  processor.onEnd(makeSpan(0));
  processor.onEnd(makeSpan(1));
  await alive(exporter.exportCalls(1));
  processor.onEnd(makeSpan(2));

  processor.flushSync(1000);
  assert.deepEqual(names(exporter.syncBatches[0].spans), ['s2'], 'only what the collector has not got');
});

test('flushSync without a synchronous exporter drops quietly', () => {
  const processor = bsp({ export: async () => ({ code: 0 }), shutdown: async () => {} });
  processor.onEnd(makeSpan(1));
  processor.flushSync(100);
  assert.equal(processor.queuedSpanCount, 0);
});

test('MultiSpanProcessor: fans out, contains a failing child, splits the flushSync budget', async () => {
  const calls = [];
  const failing = {
    onStart() { throw new Error('start boom'); },
    onEnd() { throw new Error('end boom'); },
    forceFlush: () => Promise.reject(new Error('flush boom')),
    shutdown() { throw new Error('shutdown boom'); },
    flushSync() { throw new Error('sync boom'); },
  };
  const healthy = {
    onEnd: (span) => calls.push(`end ${span.name}`),
    forceFlush: async () => { calls.push('flush'); },
    shutdown: async () => { calls.push('shutdown'); },
    flushSync: (timeoutMs) => calls.push(`flushSync ${timeoutMs <= 500 && timeoutMs >= 0}`),
  };
  const multi = new MultiSpanProcessor([failing, healthy]);
  multi.onStart(makeSpan(1));
  multi.onEnd(makeSpan(1));
  await multi.forceFlush();
  await multi.shutdown();
  multi.flushSync(500);
  assert.deepEqual(calls, ['end s1', 'flush', 'shutdown', 'flushSync true']);
});

/** Collects what the agent writes to stderr while fn runs (and awaits it). */
async function captureStderr(fn) {
  const lines = [];
  const originalWrite = process.stderr.write;
  process.stderr.write = (chunk) => (lines.push(String(chunk)), true);
  try {
    await fn();
  } finally {
    process.stderr.write = originalWrite;
  }
  return lines;
}

test('totals: every span given to the processor is exported, dropped, failed or pending, and they add up', async () => {
  const failure = { code: 1, error: new Error('ECONNREFUSED after 1 attempt(s)') };
  const exporter = scriptedExporter({ autoSettle: false, results: [{ code: 0 }, failure] });
  const processor = bsp(exporter, { maxQueueSize: 4, maxExportBatchSize: 2 });
  await captureStderr(async () => {
    processor.onEnd(makeSpan(0));
    processor.onEnd(makeSpan(1));
    await alive(exporter.exportCalls(1)); // s0, s1 in flight
    for (let i = 2; i < 9; i++) processor.onEnd(makeSpan(i)); // s2..s5 queued, 3 dropped
    processor.onEnd(makeSpan(9, 0)); // unsampled: never the processor's
    exporter.pending.shift()(); // s0, s1 delivered
    await alive(exporter.exportCalls(2)); // s2, s3 in flight
    exporter.pending.shift()(); // … and failed
    await alive(exporter.exportCalls(3)); // s4, s5 in flight, never settled
  });
  assert.deepEqual(processor.totals(), { created: 9, exported: 2, droppedQueueFull: 3, failed: 2, pendingAtExit: 2 });
  processor.flushSync(1000); // the unsettled s4, s5 go out synchronously: now exported
  assert.deepEqual(processor.totals(), { created: 9, exported: 4, droppedQueueFull: 3, failed: 2, pendingAtExit: 0 });
  exporter.pending.shift()(); // a late settlement of that batch does not count it twice
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(processor.totals().exported, 4);
});

test('OTEL_NODE_LOSS_REPORT_INTERVAL: losses are reported as one line per interval with the counts, not one per export', async () => {
  resetLogOnce();
  const results = Array.from({ length: 20 }, () => ({ code: 1, error: new Error('HTTP 503 after 5 attempt(s)') }));
  const exporter = scriptedExporter({ results });
  const processor = bsp(exporter, { maxExportBatchSize: 1, lossReportIntervalMs: 30 });
  const lines = await captureStderr(async () => {
    for (let i = 0; i < 10; i++) processor.onEnd(makeSpan(i));
    await alive(processor.forceFlush()); // ten failed exports
    await alive(new Promise((resolve) => setTimeout(resolve, 60))); // one interval
    await alive(new Promise((resolve) => setTimeout(resolve, 60))); // a quiet interval: no line
    processor.onEnd(makeSpan(10));
    await alive(processor.forceFlush());
    await alive(new Promise((resolve) => setTimeout(resolve, 60)));
  });
  const reports = lines.filter((l) => l.includes('OTELI_W_SPANS_LOST'));
  assert.equal(reports.length, 2, lines.join(''));
  assert.match(reports[0], /warn OTELI_W_SPANS_LOST: 10 spans lost in the last 0 s: 10 in failed exports \(last: HTTP 503 after 5 attempt\(s\)\); 0 exported so far/);
  assert.match(reports[1], /: 1 spans lost in the last 0 s: 1 in failed exports/);
  // At exit, after a report was printed and with nothing new lost: only the debug line.
  const atExit = await captureStderr(() => processor.reportAtExit());
  assert.deepEqual(atExit, []);
});

test('at exit: spans dropped from a full queue are counted in one warning line', async () => {
  resetLogOnce();
  const exporter = scriptedExporter({ autoSettle: false });
  const processor = bsp(exporter, { maxQueueSize: 2, maxExportBatchSize: 2 });
  const lines = await captureStderr(async () => {
    for (let i = 0; i < 2; i++) processor.onEnd(makeSpan(i));
    await alive(exporter.exportCalls(1));
    for (let i = 2; i < 10; i++) processor.onEnd(makeSpan(i)); // 2 queued, 6 dropped
    processor.reportAtExit();
  });
  const atExit = lines.filter((l) => l.includes('OTELI_W_SPANS_LOST'));
  assert.equal(atExit.length, 1, lines.join(''));
  assert.match(atExit[0], /at exit, 10 created, 0 exported, 6 dropped \(queue full\), 0 in failed exports, 4 not delivered at exit/);
});

test('onEnd cost (reported, not asserted)', (t) => {
  const processor = bsp({ export: async () => ({ code: 0 }), shutdown: async () => {} }, { maxQueueSize: 1 << 20, maxExportBatchSize: 1 << 20 });
  const spans = Array.from({ length: 200_000 }, (_, i) => makeSpan(i));
  const started = process.hrtime.bigint();
  for (const s of spans) processor.onEnd(s);
  const nsPerSpan = Number(process.hrtime.bigint() - started) / spans.length;
  t.diagnostic(`onEnd: ${nsPerSpan.toFixed(0)} ns per span`);
  assert.equal(processor.queuedSpanCount, spans.length);
  // A large queue handed over at exit in one call (a spread here once overflowed the stack).
  const handed = [];
  const big = bsp({ export: async () => ({ code: 0 }), exportSync: (s) => handed.push(s.length), shutdown: async () => {} },
    { maxQueueSize: 1 << 20, maxExportBatchSize: 1 << 20 });
  for (const s of spans) big.onEnd(s);
  big.flushSync(0);
  assert.deepEqual(handed, [spans.length]);
});

test('OTEL_BSP_MAX_QUEUE_SIZE far above the default: the queue grows as spans wait, keeps their order, and costs nothing up front', async () => {
  const exporter = scriptedExporter();
  const before = process.memoryUsage().heapUsed;
  const processor = bsp(exporter, { maxQueueSize: 100_000_000, maxExportBatchSize: 500 });
  // A ring of 100 million slots, allocated at once, would be 800 MB.
  assert.ok(process.memoryUsage().heapUsed - before < 50 * 2 ** 20);
  // All queued before the first export can start: past the initial ring, grown twice.
  for (let i = 0; i < 5000; i++) processor.onEnd(makeSpan(i));
  assert.equal(processor.queuedSpanCount, 5000);
  assert.equal(processor.droppedSpanCount, 0);
  await alive(processor.forceFlush());
  assert.deepEqual(exporter.batches.flatMap(names), Array.from({ length: 5000 }, (_, i) => `s${i}`));
});

/**
 * A scripted exporter that prepares each span as it ends, as OTLP/protobuf does: the span joins
 * a run (one object in the queue places of all its spans), here a new run every `runSpans`
 * spans, as a full chunk starts a new one. A batch takes each run's first spans as a part of
 * their own (detachFirst); export() records the parts, and spanNamesOf() the names a batch
 * carries, each part once however many places it fills.
 */
function preparingExporter({ runSpans = 10, detachThrows = false, ...options } = {}) {
  const exporter = scriptedExporter(options);
  exporter.prepareCalls = [];
  exporter.detaches = 0;
  exporter.released = [];
  const makeRun = (spanNames, isPart) => {
    const run = {
      isPrepared: true,
      resource: undefined,
      scope: undefined,
      spanNames,
      get count() {
        return run.spanNames.length;
      },
      detachFirst(count) {
        exporter.detaches++;
        if (detachThrows) throw new Error('detach broke');
        if (isPart || count < 1 || count > run.spanNames.length) throw new RangeError(`bad detach of ${count}`);
        return makeRun(run.spanNames.splice(0, count), true);
      },
      release() {
        if (!isPart) throw new Error('only a batch part is released');
        exporter.released.push(run.spanNames.slice());
      },
    };
    return run;
  };
  let open;
  let inOpen = 0;
  exporter.prepare = (span) => {
    exporter.prepareCalls.push(span.name);
    if (exporter.prepareThrows) throw new Error('prepare broke');
    if (open === undefined || inOpen === runSpans) {
      open = makeRun([], false);
      inOpen = 0;
    }
    open.spanNames.push(span.name);
    inOpen++;
    return open;
  };
  exporter.spanNamesOf = (batch) => batch.flatMap((entry, i) => (entry.isPrepared ? (batch[i - 1] === entry ? [] : entry.spanNames) : [entry.name]));
  return exporter;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

const range = (from, to) => Array.from({ length: to - from }, (_, k) => `s${from + k}`);
const allNames = (n) => range(0, n).sort();

test('an exporter that prepares: each span is prepared inside the onEnd that queues it, and export gets each run\'s part, every span once', async () => {
  const exporter = preparingExporter();
  const processor = bsp(exporter, { maxExportBatchSize: 45 });
  processor.onEnd(makeSpan(0));
  assert.deepEqual(exporter.prepareCalls, ['s0'], 'prepared at once');
  for (let i = 1; i < 128; i++) processor.onEnd(makeSpan(i));
  assert.equal(exporter.prepareCalls.length, 128);
  assert.equal(processor.queuedSpanCount, 128);
  await alive(processor.forceFlush());
  assert.deepEqual(exporter.batches.map((b) => b.length), [45, 45, 38], 'batches count spans, not runs');
  for (const batch of exporter.batches) assert.ok(batch.every((entry) => entry.isPrepared), 'the queue held runs, not spans');
  assert.deepEqual(exporter.batches.map((b) => exporter.spanNamesOf(b).length), [45, 45, 38]);
  // A batch that ends inside a run (45 = 4 runs and a half) took its first spans, the next the rest.
  assert.deepEqual(exporter.spanNamesOf(exporter.batches[0]).slice(-5), ['s40', 's41', 's42', 's43', 's44']);
  assert.deepEqual(exporter.spanNamesOf(exporter.batches[1]).slice(0, 5), ['s45', 's46', 's47', 's48', 's49']);
  assert.deepEqual(exporter.batches.flatMap(exporter.spanNamesOf).sort(), allNames(128));
  assert.deepEqual(processor.totals(), { ...processor.totals(), created: 128, exported: 128, pendingAtExit: 0 });
});

test('an exporter that prepares: a settled batch releases each of its parts once, and only once it settled', async () => {
  const exporter = preparingExporter({ autoSettle: false });
  const processor = bsp(exporter, { maxExportBatchSize: 25 });
  for (let i = 0; i < 25; i++) processor.onEnd(makeSpan(i));
  await alive(exporter.exportCalls(1));
  assert.deepEqual(exporter.released, [], 'nothing released while the export is in flight');
  exporter.pending.shift()();
  await tick();
  await tick();
  assert.deepEqual(exporter.released, [range(0, 10), range(10, 20), range(20, 25)], 'each part once, in batch order');
});

test('an exporter that prepares: flushSync sends the in-flight batch again and what is queued, both as parts', async () => {
  const exporter = preparingExporter({ autoSettle: false });
  const processor = bsp(exporter, { maxExportBatchSize: 25 });
  for (let i = 0; i < 25; i++) processor.onEnd(makeSpan(i));
  await alive(exporter.exportCalls(1));
  for (let i = 25; i < 32; i++) processor.onEnd(makeSpan(i));
  processor.flushSync(1000);
  const sent = exporter.syncBatches[0].spans;
  assert.equal(sent.length, 32);
  assert.deepEqual(exporter.spanNamesOf(sent), range(0, 32));
  assert.deepEqual(exporter.released, [], 'nothing released at exit: the synchronous export may still read them');
});

test('an exporter whose prepare throws: one error line, the spans are exported as they are, and prepare is not called again', async () => {
  resetLogOnce();
  const exporter = preparingExporter();
  exporter.prepareThrows = true;
  const processor = bsp(exporter, { maxExportBatchSize: 500 });
  const lines = await captureStderr(async () => {
    for (let i = 0; i < 200; i++) processor.onEnd(makeSpan(i));
    await alive(processor.forceFlush());
  });
  assert.equal(exporter.prepareCalls.length, 1);
  assert.equal(lines.filter((l) => l.includes('OTELI_E_BSP_PREPARE')).length, 1, lines.join(''));
  assert.deepEqual(names(exporter.batches.flat()), Array.from({ length: 200 }, (_, i) => `s${i}`));
});

test('an exporter that prepares: the queue no longer holds the span objects it prepared', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const exporter = preparingExporter();
  const processor = bsp(exporter);
  // In a function of its own: a suspended async function's frame would keep its last span.
  const endSpans = () => {
    const refs = [];
    for (let i = 0; i < 64; i++) {
      const span = makeSpan(i);
      refs.push(new WeakRef(span));
      processor.onEnd(span);
    }
    return refs;
  };
  const refs = endSpans();
  await tick();
  gc();
  assert.equal(processor.queuedSpanCount, 64);
  assert.deepEqual(refs.flatMap((r, i) => (r.deref() === undefined ? [] : [i])), [], 'prepared spans are collectable while queued');
});

test('an exporter that prepares, whose detachFirst throws: one error line, the batch takes whole runs, and no span is lost', async () => {
  resetLogOnce();
  const exporter = preparingExporter({ detachThrows: true });
  const processor = bsp(exporter, { maxExportBatchSize: 45 });
  const lines = await captureStderr(async () => {
    for (let i = 0; i < 128; i++) processor.onEnd(makeSpan(i));
    await alive(processor.forceFlush());
  });
  assert.ok(exporter.detaches >= 1);
  assert.equal(lines.filter((l) => l.includes('OTELI_E_BSP_SPLIT')).length, 1, lines.join(''));
  assert.deepEqual([...new Set(exporter.batches.flatMap(exporter.spanNamesOf))].sort(), allNames(128));
  assert.deepEqual(processor.totals(), { ...processor.totals(), created: 128, exported: 128, pendingAtExit: 0 });
});
