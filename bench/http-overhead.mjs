// End-to-end overhead of the agent on an HTTP app (not a test): the same app run bare
// (`node app.js`), under `otel-instrument` exporting OTLP http/protobuf to a local sink, and under
// `otel-instrument` with OTEL_TRACES_SAMPLER=always_off (the hooks alone, nothing recorded).
// Apps, in bench/fixtures/: plain.js answers a small JSON body; gateway.js makes one fetch per
// request to a bare upstream (plain.js) and answers with its JSON. Load comes from wrk (or, without
// it, bench/fixtures/load.mjs) at 16 connections, 1 s of warm-up then --duration seconds.
//
// Runs are interleaved (every variant once per round, the order rotating) and medians reported;
// ratios are medians of per-round ratios against the bare run of the same round, so drift on a
// noisy machine hits both sides alike. Run after `npm run build`:
//   npm run bench -- [--rounds 3] [--duration 5] [--app plain|gateway|all] [--load wrk|node] [--cpu-prof]
// Prints a markdown report and writes .bench/results.md and .bench/http-overhead.json.
// --cpu-prof adds a profiled bare run and a profiled agent run per app after the measured rounds
// (not in the table) and reports self time per request, bare vs agent, and the top functions in
// dist/ (bench/fixtures/cpu-profile-top.mjs); the profiles stay in .bench/cpu-prof/.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareProfiles, readProfiles } from './fixtures/cpu-profile-top.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = join(ROOT, 'bench', 'fixtures');
const CLI = join(ROOT, 'bin', 'otel-instrument.js');
const OUT = join(ROOT, '.bench');
const CONNECTIONS = 16;
const WARMUP_S = 1;
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000; // the agent's flush on SIGTERM is bounded by 5 s (OTEL_NODE_SHUTDOWN_TIMEOUT)

const APPS = {
  plain: { file: 'plain.js', spansPerRequest: 1, what: 'node:http server, small JSON answer' },
  gateway: { file: 'gateway.js', spansPerRequest: 2, what: 'node:http server + one fetch to a bare local upstream per request' },
};

const VARIANTS = [
  { name: 'bare', agent: false, env: {} },
  { name: 'otel-instrument', agent: true, env: {} },
  { name: 'otel-instrument, sampler off', agent: true, env: { OTEL_TRACES_SAMPLER: 'always_off' }, recordsSpans: false },
];

function usage(message) {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write('usage: node bench/http-overhead.mjs [--rounds N] [--duration S] [--app plain|gateway|all] [--load wrk|node] [--cpu-prof]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const args = { rounds: 3, durationS: 5, apps: Object.keys(APPS), load: undefined, cpuProf: false };
  for (let i = 0; i < argv.length; i++) {
    const value = () => argv[++i] ?? usage(`${argv[i - 1]} needs a value`);
    if (argv[i] === '--rounds') args.rounds = Number(value());
    else if (argv[i] === '--duration') args.durationS = Number(value());
    else if (argv[i] === '--app') {
      const app = value();
      if (app !== 'all' && !(app in APPS)) usage(`--app: plain, gateway or all, not ${app}`);
      args.apps = app === 'all' ? Object.keys(APPS) : [app];
    } else if (argv[i] === '--load') {
      args.load = value();
      if (args.load !== 'wrk' && args.load !== 'node') usage('--load: wrk or node');
    } else if (argv[i] === '--cpu-prof') args.cpuProf = true;
    else if (argv[i] === '--help' || argv[i] === '-h') usage();
    else usage(`unknown argument ${argv[i]}`);
  }
  if (!(Number.isInteger(args.rounds) && args.rounds >= 1 && args.rounds <= 50)) usage('--rounds: an integer in [1, 50]');
  if (!(args.durationS >= 1 && args.durationS <= 120)) usage('--duration: seconds in [1, 120]');
  args.load ??= spawnSync('wrk', ['--version']).error === undefined ? 'wrk' : 'node';
  return args;
}

// ---- processes: each in its own process group, all killed on any way out ----

const running = new Set();

function killAll() {
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGKILL'); // the group: the CLI and the app it runs
    } catch {
      // already gone
    }
  }
  running.clear();
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** Env for every child: ours minus NODE_OPTIONS and OTEL_*, so the bare app really is bare. */
function cleanEnv(extra) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key !== 'NODE_OPTIONS' && !key.startsWith('OTEL_')) env[key] = value;
  }
  return { ...env, ...extra };
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Spawns a process that prints `listening <port> <pid>`, and resolves once it has. startupMs is
 * spawn → that line. stdin stays a pipe: the fixtures exit when it closes, even if we are SIGKILLed.
 */
function startServer(label, args, env) {
  const startedMs = performance.now();
  const child = spawn(process.execPath, args, { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    running.delete(child);
    resolve({ code, signal });
  }));
  const listening = new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const match = /^listening (\d+) (\d+)$/m.exec(stdout);
      if (match) resolve({ port: Number(match[1]), appPid: Number(match[2]), startupMs: performance.now() - startedMs });
    });
    child.on('error', reject);
    exited.then(({ code, signal }) => reject(new Error(`${label} exited (${signal ?? code}) before listening: ${stderr.trim()}`)));
  });
  return withTimeout(listening, START_TIMEOUT_MS, `${label} start-up`).then((info) => ({
    ...info,
    label,
    child,
    exited,
    stderr: () => stderr,
  }));
}

/** SIGTERM (the CLI forwards it; the agent flushes, then dies of it), SIGKILL if that hangs. */
async function stopServer(server, how = 'SIGTERM') {
  if (how === 'stdin') server.child.stdin.end(); // the fixture calls process.exit(0)
  else server.child.kill(how);
  try {
    return await withTimeout(server.exited, STOP_TIMEOUT_MS, `${server.label} stop`);
  } catch (err) {
    process.stderr.write(`${err.message}; killing it\n`);
    try {
      process.kill(-server.child.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    return server.exited;
  }
}

/** Peak resident set (VmHWM) in kB, Linux only. */
function peakRssKb(pid) {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS_PER_S = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time of a process in ms (utime, stime of /proc/<pid>/stat), Linux only. */
function cpuTimeMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3, state
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

async function getJson(url) {
  const res = await withTimeout(fetch(url), 5000, `GET ${url}`);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res.json();
}

/** Runs the load generator against url for durationS; resolves with its BENCH_JSON line. */
function runLoad(kind, url, durationS) {
  const [file, args] = kind === 'wrk'
    ? ['wrk', ['-t', '1', '-c', String(CONNECTIONS), '-d', `${durationS}s`, '-s', join(FIXTURES, 'wrk-report.lua'), url]]
    : [process.execPath, [join(FIXTURES, 'load.mjs'), url, String(CONNECTIONS), String(durationS)]];
  const child = spawn(file, args, { env: cleanEnv({}), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (out += chunk));
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      running.delete(child);
      const line = /^BENCH_JSON (.*)$/m.exec(out);
      if (code === 0 && line) resolve(JSON.parse(line[1]));
      else reject(new Error(`${kind} exited ${code}: ${out.trim()}`));
    });
  });
  return withTimeout(done, (durationS + 15) * 1000, `${kind} load`);
}

// ---- one run: start, warm up, measure, read peak RSS, stop, count exported spans ----

async function runOnce(ctx, appName, variant, { cpuProfDir } = {}) {
  const app = APPS[appName];
  const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const appArgs = [...nodeArgs, join(FIXTURES, app.file)];
  const args = variant.agent
    ? [CLI, '--service_name', `bench-${appName}`, '--exporter_otlp_endpoint', ctx.sinkUrl, process.execPath, ...appArgs]
    : appArgs;
  const env = cleanEnv({ UPSTREAM_URL: ctx.upstreamUrl, ...variant.env });
  const spansBefore = (await getJson(`${ctx.sinkUrl}/stats`)).spans;
  const server = await startServer(`${appName} (${variant.name})`, args, env);
  try {
    const url = `http://127.0.0.1:${server.port}/`;
    const warmup = await runLoad(ctx.load, url, WARMUP_S);
    const nowUs = () => Number(process.hrtime.bigint() / 1000n); // the clock of V8's profile timestamps
    const loadStartUs = nowUs();
    const [cpuStartMs, sinkCpuStartMs] = [cpuTimeMs(server.appPid), cpuTimeMs(ctx.sinkPid)];
    const load = await runLoad(ctx.load, url, ctx.durationS);
    const [cpuEndMs, sinkCpuEndMs] = [cpuTimeMs(server.appPid), cpuTimeMs(ctx.sinkPid)];
    const loadWindowUs = [loadStartUs, nowUs()];
    const rssKb = peakRssKb(server.appPid);
    const launcherRssKb = variant.agent ? peakRssKb(server.child.pid) : undefined;
    const stopStartedMs = performance.now();
    const exit = await stopServer(server, cpuProfDir ? 'stdin' : 'SIGTERM'); // --cpu-prof writes only on a clean exit
    const stopMs = performance.now() - stopStartedMs;
    const spans = (await getJson(`${ctx.sinkUrl}/stats`)).spans - spansBefore;
    const served = warmup.requests + load.requests;
    return {
      app: appName,
      variant: variant.name,
      requestsPerS: load.requests / (load.durationUs / 1e6),
      p50Ms: load.p50Us / 1000,
      p99Ms: load.p99Us / 1000,
      requests: load.requests,
      // CPU the app process used per request answered, measured window only: unlike req/s and
      // latency, this does not depend on how the load generator and the sink share the cores.
      cpuUsPerRequest: ((cpuEndMs - cpuStartMs) * 1000) / load.requests,
      sinkCpuShare: (sinkCpuEndMs - sinkCpuStartMs) / ((loadWindowUs[1] - loadWindowUs[0]) / 1000),
      errors: warmup.errors + load.errors + warmup.non2xx + load.non2xx,
      rssMb: rssKb / 1024,
      launcherRssMb: launcherRssKb === undefined ? undefined : launcherRssKb / 1024,
      startupMs: server.startupMs,
      stopMs,
      exit,
      spans: variant.agent ? spans : undefined,
      expectedSpans: variant.agent ? (variant.recordsSpans === false ? 0 : served * app.spansPerRequest) : undefined,
      agentMessages: [...new Set(server.stderr().match(/OTELI_[WE]_[A-Z_]+/g) ?? [])],
      loadWindowUs,
    };
  } catch (err) {
    try {
      process.kill(-server.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    throw err;
  }
}

// ---- statistics and the report ----

function median(values) {
  const sorted = values.filter((v) => v !== undefined && !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (value, digits = 0) =>
  value === undefined ? '—' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const signed = (value, digits) => (value === undefined ? '—' : `${value >= 0 ? '+' : '−'}${fmt(Math.abs(value), digits)}`);

function appTable(runs, appName, rounds) {
  const forVariant = (name) => runs.filter((r) => r.app === appName && r.variant === name);
  const bare = forVariant('bare');
  const bareOfRound = (round) => bare.find((r) => r.round === round);
  const rows = [
    '| variant | req/s | p50 ms | p99 ms | CPU µs/req | peak RSS MB | start-up ms | spans received (% of expected) | req/s ratio | p99 ratio | CPU ratio | RSS ratio | start-up Δ ms |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const variant of VARIANTS) {
    const own = forVariant(variant.name);
    if (own.length === 0) continue;
    const med = (key) => median(own.map((r) => r[key]));
    // Paired with the bare run of the same round, then the median over rounds.
    const paired = (fn) => (variant.agent ? median(own.map((r) => (bareOfRound(r.round) ? fn(r, bareOfRound(r.round)) : undefined))) : undefined);
    let spans = '—';
    if (variant.agent) {
      const received = med('spans');
      const expected = med('expectedSpans');
      spans = expected === 0 ? `${fmt(received)} (expected 0)` : `${fmt(received)} (${fmt((100 * median(own.map((r) => r.spans / r.expectedSpans))), 1)} %)`;
    }
    rows.push(`| ${variant.name} | ${fmt(med('requestsPerS'))} | ${fmt(med('p50Ms'), 2)} | ${fmt(med('p99Ms'), 2)} | ${fmt(med('cpuUsPerRequest'), 1)} | ${fmt(med('rssMb'), 1)} | ${fmt(med('startupMs'))} | ${spans} | ${
      variant.agent ? fmt(paired((r, b) => r.requestsPerS / b.requestsPerS), 2) : '1'} | ${
      variant.agent ? fmt(paired((r, b) => r.p99Ms / b.p99Ms), 2) : '1'} | ${
      variant.agent ? fmt(paired((r, b) => r.cpuUsPerRequest / b.cpuUsPerRequest), 2) : '1'} | ${
      variant.agent ? fmt(paired((r, b) => r.rssMb / b.rssMb), 2) : '1'} | ${
      variant.agent ? signed(paired((r, b) => r.startupMs - b.startupMs), 0) : '0'} |`);
  }
  const perRound = VARIANTS.map((v) => `${v.name}: ${forVariant(v.name).map((r) => fmt(r.requestsPerS)).join(', ')}`).join('; ');
  return `### ${appName}: ${APPS[appName].what}\n\n${rows.join('\n')}\n\nreq/s per round (${rounds} rounds) — ${perRound}\n`;
}

function report(args, runs, environment) {
  const lines = [
    '## HTTP overhead of otel-instrument',
    '',
    environment,
    '',
    ...args.apps.map((app) => appTable(runs, app, args.rounds)),
  ];
  const launcher = median(runs.map((r) => r.launcherRssMb));
  const sinkShare = median(runs.filter((r) => r.variant === VARIANTS[1].name).map((r) => r.sinkCpuShare));
  const notes = [
    `Medians over ${args.rounds} interleaved rounds. Ratios are agent ÷ bare (req/s, p99, peak RSS of the app process) and the start-up difference, each paired with the bare run of the same round, then the median over rounds.`,
    'CPU µs/req is the user + system CPU time of the app process during the measured window divided by the requests answered: the cost per request, whatever share of the 2 cores the load generator and the sink left the app.',
    `The sink counting spans used ${fmt(100 * sinkShare, 0)} % of a core during the otel-instrument runs (median): on this machine it competes with the app and wrk, so part of the req/s drop is the collector's cost, which a real deployment pays elsewhere.`,
    'Start-up is spawn → the app printing its port; under otel-instrument it includes the launcher starting the app as its child.',
    `The launcher process itself (\`otel-instrument\`, the parent of the app) peaks at ${fmt(launcher, 1)} MB RSS, not included above.`,
    'Spans received count warm-up and measured requests; expected = requests × spans per request (plain: 1 SERVER; gateway: SERVER + CLIENT). wrk does not count requests still in flight when it stops, so a few extra spans are normal.',
  ];
  const errors = runs.filter((r) => r.errors > 0);
  if (errors.length > 0) notes.push(`**Failed requests** in ${errors.map((r) => `${r.app}/${r.variant}/round ${r.round} (${r.errors})`).join(', ')}.`);
  const messages = [...new Set(runs.flatMap((r) => r.agentMessages))];
  if (messages.length > 0) notes.push(`**Agent warnings seen:** ${messages.join(', ')}.`);
  const offBy = runs.filter((r) => r.expectedSpans > 0 && Math.abs(r.spans / r.expectedSpans - 1) > 0.01);
  if (offBy.length > 0) notes.push(`**Spans off by more than 1 %** in ${offBy.map((r) => `${r.app}/${r.variant}/round ${r.round} (${r.spans} of ${r.expectedSpans})`).join(', ')}.`);
  return `${lines.join('\n')}\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
}

function describeEnvironment(args) {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  const loader = args.load === 'wrk' ? `wrk -t1 -c${CONNECTIONS}` : `bench/fixtures/load.mjs, ${CONNECTIONS} keep-alive connections (wrk not found)`;
  return `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, commit ${commit}, ${new Date().toISOString().slice(0, 16)}Z. ` +
    `Load: ${loader}, ${WARMUP_S} s warm-up + ${args.durationS} s measured per run, loopback. Export: OTLP http/protobuf to a local sink (bench/fixtures/sink.js).`;
}

// ---- main ----

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(join(ROOT, 'dist', 'cli', 'index.js'))) usage('dist/ is missing: run `npm run build` first');
  const runCount = args.rounds * args.apps.length * VARIANTS.length + (args.cpuProf ? args.apps.length : 0);
  // A bound on the whole run, so a wedged process cannot keep the bench (or CI) waiting forever.
  const budgetS = runCount * (WARMUP_S + args.durationS + 20) + 60;
  setTimeout(() => {
    process.stderr.write(`bench: still running after ${budgetS} s; giving up\n`);
    process.exit(1);
  }, budgetS * 1000).unref();

  process.stderr.write(`bench: ${runCount} runs of ~${WARMUP_S + args.durationS + 1} s (${args.load}); expect about ${Math.ceil((runCount * (WARMUP_S + args.durationS + 1.5)) / 60)} min\n`);
  const sink = await startServer('sink', [join(FIXTURES, 'sink.js')], cleanEnv({}));
  const upstream = await startServer('upstream', [join(FIXTURES, 'plain.js')], cleanEnv({}));
  const ctx = { sinkPid: sink.appPid, sinkUrl: `http://127.0.0.1:${sink.port}`, upstreamUrl: `http://127.0.0.1:${upstream.port}/`, load: args.load, durationS: args.durationS };

  // One unmeasured start of each variant warms the file cache, so round 1's start-up is not an outlier.
  for (const appName of args.apps) {
    for (const variant of VARIANTS) {
      const server = await startServer(`${appName} (${variant.name}, priming)`, variant.agent
        ? [CLI, '--exporter_otlp_endpoint', ctx.sinkUrl, process.execPath, join(FIXTURES, APPS[appName].file)]
        : [join(FIXTURES, APPS[appName].file)], cleanEnv({ UPSTREAM_URL: ctx.upstreamUrl, ...variant.env }));
      await stopServer(server);
    }
  }

  const runs = [];
  for (let round = 1; round <= args.rounds; round++) {
    for (const appName of args.apps) {
      // Rotate the order each round, so no variant always runs right after another.
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round - 1) % VARIANTS.length]);
      for (const variant of order) {
        const run = { round, ...(await runOnce(ctx, appName, variant)) };
        runs.push(run);
        process.stderr.write(`round ${round} ${appName.padEnd(7)} ${variant.name.padEnd(28)} ${fmt(run.requestsPerS).padStart(7)} req/s  p99 ${fmt(run.p99Ms, 2)} ms  ` +
          `cpu ${fmt(run.cpuUsPerRequest, 1)} µs/req  rss ${fmt(run.rssMb, 1)} MB  start ${fmt(run.startupMs)} ms${run.spans === undefined ? '' : `  spans ${run.spans}/${run.expectedSpans}`}\n`);
      }
    }
  }

  const environment = describeEnvironment(args);
  let markdown = report(args, runs, environment);
  if (args.cpuProf) {
    const profDir = join(OUT, 'cpu-prof');
    rmSync(profDir, { recursive: true, force: true });
    const sections = [];
    for (const appName of args.apps) {
      const profiled = [];
      for (const variant of VARIANTS.slice(0, 2)) {
        const dir = join(profDir, appName, variant.agent ? 'agent' : 'bare');
        mkdirSync(dir, { recursive: true });
        const run = await runOnce(ctx, appName, variant, { cpuProfDir: dir });
        process.stderr.write(`profiled ${appName} ${variant.name}: ${fmt(run.requestsPerS)} req/s\n`);
        profiled.push({ ...run, functions: readProfiles(dir, { windowUs: run.loadWindowUs, root: ROOT }) });
      }
      sections.push(compareProfiles(appName, ...profiled));
    }
    markdown += `\n${sections.join('\n')}`;
  }

  await stopServer(upstream);
  await stopServer(sink);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'results.md'), markdown);
  writeFileSync(join(OUT, 'http-overhead.json'), `${JSON.stringify({ environment, args, runs }, null, 2)}\n`);
  process.stdout.write(markdown);
  process.stderr.write('bench: wrote .bench/results.md and .bench/http-overhead.json\n');
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.stack ?? err}\n`);
  killAll();
  process.exit(1);
});
