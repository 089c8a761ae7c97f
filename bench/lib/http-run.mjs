// One measured run of one app under one variant, and the interleaved rounds of them: start the
// app (on the app's CPU), warm up, measure under load (from the load CPUs), read peak RSS, let the
// agent deliver its last spans, stop it, and count at the sink what it delivered.
import http from 'node:http';
import { APPS } from './apps.mjs';
import { cpuTimeMs, killGroup, peakRssMb, runLoad, startServer, stopServer, withTimeout } from './processes.mjs';
import { fmt, oneLine } from './stats.mjs';
import { OURS, commandLine, expectedSpans, variantEnv, variantsFor } from './variants.mjs';

export const CONNECTIONS = 16;
const POLL_MS = 100;
const STOP_TIMEOUT_MS = 10_000;

/**
 * The sink's counters. A new connection each time (no keep-alive): a pooled socket the sink has
 * just timed out would fail the request, and the bench polls it at irregular intervals.
 */
export function sinkStats(ctx) {
  const answer = new Promise((resolve, reject) => {
    http.get(`${ctx.sinkUrl}/stats`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`the sink's /stats: ${res.statusCode}`))));
    }).on('error', reject);
  });
  return withTimeout(answer, 5000, 'the sink\'s /stats');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once the sink's span count has not moved for quietMs (or maxMs passed), or `until`
 * resolves first; with the count then.
 */
async function waitForQuietSink(ctx, quietMs, maxMs, until) {
  let stopped = false;
  until?.then(() => (stopped = true));
  const started = performance.now();
  let last = (await sinkStats(ctx)).spans;
  let changedAt = performance.now();
  while (!stopped && performance.now() - changedAt < quietMs && performance.now() - started < maxMs) {
    await sleep(POLL_MS);
    const now = (await sinkStats(ctx)).spans;
    if (now !== last) [last, changedAt] = [now, performance.now()];
  }
  return last;
}

/**
 * Stops the app the way its agent wants to be stopped. An agent that flushes on SIGTERM gets it
 * (ours, EDOT), and exits. One that flushes on a timer only (dd-trace) first gets the time for
 * one more flush. One that flushes on SIGTERM but then keeps the process alive (the official
 * agent's register) is killed once its flush has reached the sink.
 */
async function stopApp(ctx, server, variant, how) {
  if (variant.flushIntervalMs !== undefined) await waitForQuietSink(ctx, variant.flushIntervalMs + 500, 3 * variant.flushIntervalMs + 2000);
  if (variant.exitsOnSigterm !== false || how !== 'SIGTERM') return stopServer(server, how);
  server.child.kill('SIGTERM');
  await waitForQuietSink(ctx, 1000, STOP_TIMEOUT_MS, server.exited);
  killGroup(server.child);
  return { ...(await server.exited), killedAfterFlush: true };
}

/** What the sink saw between two /stats answers: requests per method and path. */
function pathDelta(before, after) {
  const delta = {};
  for (const [path, count] of Object.entries(after.paths)) {
    if (count !== (before.paths[path] ?? 0)) delta[path] = count - (before.paths[path] ?? 0);
  }
  return delta;
}

export async function runOnce(ctx, appName, variant, { cpuProfDir } = {}) {
  const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const env = variantEnv(ctx, appName, variant);
  const before = await sinkStats(ctx);
  const server = await startServer(`${appName} (${variant.name})`, commandLine(ctx, appName, variant, { nodeArgs }), env, { cpus: ctx.cpus?.app });
  try {
    const url = `http://127.0.0.1:${server.port}${APPS[appName].path}`;
    const loadOptions = { cpus: ctx.cpus?.load };
    const warmup = await runLoad(ctx.load, url, CONNECTIONS, ctx.warmupS, loadOptions);
    const nowUs = () => Number(process.hrtime.bigint() / 1000n); // the clock of V8's profile timestamps
    const windowStartUs = nowUs();
    const [cpuStart, sinkCpuStart] = [cpuTimeMs(server.appPid), cpuTimeMs(ctx.sinkPid)];
    const load = await runLoad(ctx.load, url, CONNECTIONS, ctx.durationS, loadOptions);
    const [cpuEnd, sinkCpuEnd] = [cpuTimeMs(server.appPid), cpuTimeMs(ctx.sinkPid)];
    const loadWindowUs = [windowStartUs, nowUs()];
    const rssMb = peakRssMb(server.appPid);
    // On the exec path (Node.js 22.15+) the CLI became the app: no launcher process of its own.
    const launcherRssMb = variant.agent === OURS && server.child.pid !== server.appPid ? peakRssMb(server.child.pid) : undefined;
    const exit = await stopApp(ctx, server, variant, cpuProfDir ? 'stdin' : 'SIGTERM'); // --cpu-prof writes only on a clean exit
    const after = await sinkStats(ctx);
    const perRequestUs = (key, from, to) => (from && to ? ((to[key] - from[key]) * 1000) / load.requests : undefined);
    const userUs = perRequestUs('userMs', cpuStart, cpuEnd);
    const systemUs = perRequestUs('systemMs', cpuStart, cpuEnd);
    const sinkCpuMs = sinkCpuStart && sinkCpuEnd ? sinkCpuEnd.userMs + sinkCpuEnd.systemMs - sinkCpuStart.userMs - sinkCpuStart.systemMs : undefined;
    const servedRequests = warmup.requests + load.requests;
    return {
      app: appName,
      variant: variant.name,
      requestsPerS: load.requests / (load.durationUs / 1e6),
      p50Ms: load.p50Us / 1000,
      p99Ms: load.p99Us / 1000,
      requests: load.requests,
      servedRequests,
      errors: warmup.errors + load.errors + warmup.non2xx + load.non2xx,
      // CPU time (all threads) the app used per request answered, in the measured window: unlike
      // req/s and latency, it does not depend on how the load generator and the sink share a core.
      cpuUsPerRequest: userUs === undefined ? undefined : userUs + systemUs,
      userUsPerRequest: userUs,
      systemUsPerRequest: systemUs,
      sinkCpuShare: sinkCpuMs === undefined ? undefined : sinkCpuMs / ((loadWindowUs[1] - loadWindowUs[0]) / 1000),
      rssMb,
      launcherRssMb,
      startupMs: server.startupMs,
      exit,
      spans: variant.agent ? after.spans - before.spans : undefined,
      spansPerRequest: variant.agent ? (after.spans - before.spans) / servedRequests : undefined,
      expectedSpans: expectedSpans(appName, variant, servedRequests),
      unreadableExports: after.bad - before.bad,
      sinkPaths: pathDelta(before, after),
      agentMessages: [...new Set(server.stderr().match(/OTELI_[WE]_[A-Z_]+/g) ?? [])],
      loadWindowUs,
    };
  } catch (err) {
    killGroup(server.child);
    throw err;
  }
}

/**
 * Every app × variant once per round, the order of the variants rotating each round, so no
 * variant always runs right after the same other one. A run that fails is recorded as such and
 * the rounds go on: the report lists it, and the bench exits non-zero.
 */
export async function runRounds(ctx, args, variants) {
  const runs = [];
  for (let round = 1; round <= args.rounds; round++) {
    for (const appName of args.apps) {
      const list = variantsFor(variants, appName);
      const order = list.map((_, i) => list[(i + round - 1) % list.length]);
      for (const variant of order) {
        let run;
        try {
          run = { round, ...(await runOnce(ctx, appName, variant)) };
          process.stderr.write(`round ${round} ${appName.padEnd(11)} ${variant.name.padEnd(28)} ${fmt(run.requestsPerS).padStart(7)} req/s  ` +
            `p99 ${fmt(run.p99Ms, 2)} ms  cpu ${fmt(run.cpuUsPerRequest, 1)} µs/req  rss ${fmt(run.rssMb, 1)} MB` +
            `${run.spans === undefined ? '' : `  spans ${run.spans} (${fmt(run.spansPerRequest, 2)}/req)`}\n`);
        } catch (err) {
          run = { round, app: appName, variant: variant.name, failed: oneLine(err) };
          process.stderr.write(`round ${round} ${appName} ${variant.name}: FAILED: ${run.failed}\n`);
        }
        runs.push(run);
      }
    }
  }
  return runs;
}
