// The markdown report of `npm run bench`: a summary (one small matrix per measure, app × agent,
// each a ratio to bare), the full table of each app, the start-up table, the microbenchmarks,
// notes, and the harness problems that make the bench exit non-zero (never a number being slow).
import { APPS } from './apps.mjs';
import { CONNECTIONS } from './http-run.mjs';
import { fmt, median, signed, times } from './stats.mjs';
import { variantsFor } from './variants.mjs';

/** Per app and variant: the medians, and the ratios to the bare run of the same round. */
function summarize(runs, appName, variant) {
  const own = runs.filter((r) => r.app === appName && r.variant === variant.name && !r.failed);
  if (own.length === 0) return undefined;
  const bareOf = (round) => runs.find((r) => r.app === appName && r.variant === 'bare' && r.round === round && !r.failed);
  const med = (key) => median(own.map((r) => r[key]));
  const ratio = (key) => median(own.map((r) => (bareOf(r.round) ? r[key] / bareOf(r.round)[key] : undefined)));
  return {
    requestsPerS: med('requestsPerS'),
    p50Ms: med('p50Ms'),
    p99Ms: med('p99Ms'),
    cpuUsPerRequest: med('cpuUsPerRequest'),
    rssMb: med('rssMb'),
    spansPerRequest: med('spansPerRequest'),
    deliveredShare: median(own.map((r) => (r.expectedSpans ? r.spans / r.expectedSpans : undefined))),
    throughputRatio: ratio('requestsPerS'),
    p99Ratio: ratio('p99Ms'),
    cpuRatio: ratio('cpuUsPerRequest'),
    rssRatio: ratio('rssMb'),
    perRound: own.map((r) => r.requestsPerS),
  };
}

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|---|${header.slice(1).map(() => '--:').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function summaryTables(runs, args, variants) {
  const agents = variants.filter((v) => v.agent);
  const cell = (appName, variant, render) => {
    if (!variantsFor(variants, appName).includes(variant)) return '';
    const s = summarize(runs, appName, variant);
    return s === undefined ? 'failed' : render(s);
  };
  const matrix = (title, render) => {
    const rows = args.apps.map((app) => [app, ...agents.map((v) => cell(app, v, render))]);
    return `**${title}**\n\n${table(['app', ...agents.map((v) => v.name)], rows)}\n`;
  };
  const bareCpu = (app) => summarize(runs, app, variants[0])?.cpuUsPerRequest;
  return [
    matrix('Throughput ÷ bare (higher is better)', (s) => times(s.throughputRatio)),
    matrix('p99 latency ÷ bare', (s) => times(s.p99Ratio)),
    `${matrix('CPU per request ÷ bare (its µs per request)', (s) => `${times(s.cpuRatio)} (${fmt(s.cpuUsPerRequest, 0)})`)}\nBare CPU per request: ${args.apps.map((app) => `${app} ${fmt(bareCpu(app), 1)} µs`).join(', ')}.\n`,
    matrix('Peak RSS ÷ bare (its MB)', (s) => `${times(s.rssRatio)} (${fmt(s.rssMb, 0)})`),
    matrix('Spans received per request', (s) => fmt(s.spansPerRequest, 2)),
  ].join('\n');
}

function appTable(runs, appName, variants) {
  const rows = [];
  for (const variant of variantsFor(variants, appName)) {
    const s = summarize(runs, appName, variant);
    if (s === undefined) {
      rows.push([variant.name, 'failed', '', '', '', '', '', '', '', '', '']);
      continue;
    }
    const r = (value) => (variant.agent ? times(value) : '1');
    let spans = '—';
    if (variant.agent) spans = `${fmt(s.spansPerRequest, 2)}${s.deliveredShare === undefined ? '' : ` (${fmt(100 * s.deliveredShare, 1)} %)`}`;
    rows.push([variant.name, fmt(s.requestsPerS), fmt(s.p50Ms, 2), fmt(s.p99Ms, 2), fmt(s.cpuUsPerRequest, 1), fmt(s.rssMb, 1), spans,
      r(s.throughputRatio), r(s.p99Ratio), r(s.cpuRatio), r(s.rssRatio)]);
  }
  const perRound = variantsFor(variants, appName).map((v) => `${v.name} ${(summarize(runs, appName, v)?.perRound ?? []).map((x) => fmt(x)).join(' / ')}`).join('; ');
  const header = ['variant', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'peak RSS MB', 'spans/req (% of expected)', 'req/s ×bare', 'p99 ×bare', 'CPU ×bare', 'RSS ×bare'];
  return `### ${appName}: ${APPS[appName].what}\n\n${table(header, rows)}\n\nreq/s by round: ${perRound}.\n`;
}

function startupTable(startup) {
  const rows = startup.rows.map((r, i) => [r.variant, fmt(r.emptyMs), i === 0 ? '1' : times(r.emptyRatio), fmt(r.rssMb, 1), i === 0 ? '' : `${signed(r.rssDeltaMb, 1)} MB`,
    fmt(r.listenMs), i === 0 ? '1' : times(r.listenRatio)]);
  return `## Start-up\n\n\`node <preload> -e 0\` (${startup.runs} runs per variant) and spawn → the express app (CommonJS) listening (${startup.listenRuns} runs), alternating, medians; ratios paired with bare's run of the same round.\n\n` +
    `${table(['variant', '`-e 0` ms', '×bare', 'peak RSS MB', 'vs bare', 'express listening ms', '×bare'], rows)}\n`;
}

function microTable(micro) {
  const rows = micro.rows.map((r) => [r.name, r.ours, r.reference ?? '', r.ratio ?? '']);
  return `## Microbenchmarks\n\n${micro.header}\n\n${table(['operation', 'otel-instrument', 'reference', 'reference ÷ ours'], rows)}\n`;
}

/** Problems with the harness itself: the bench exits non-zero when there is any. */
export function harnessProblems({ runs, variants, startup, micro }) {
  const problems = [];
  for (const r of runs.filter((x) => x.failed)) problems.push(`${r.app} / ${r.variant} / round ${r.round} failed: ${r.failed}`);
  for (const r of runs.filter((x) => !x.failed && x.errors > 0)) problems.push(`${r.app} / ${r.variant} / round ${r.round}: ${r.errors} failed requests`);
  for (const r of runs.filter((x) => !x.failed && x.unreadableExports > 0)) problems.push(`${r.app} / ${r.variant} / round ${r.round}: the sink could not read ${r.unreadableExports} exports`);
  const recording = new Set(variants.filter((v) => v.agent && v.recordsSpans !== false).map((v) => v.name));
  for (const r of runs.filter((x) => !x.failed && recording.has(x.variant) && x.spans === 0)) problems.push(`${r.app} / ${r.variant} / round ${r.round}: the sink received no span`);
  for (const f of startup?.failures ?? []) problems.push(`start-up: ${f}`);
  if (micro?.failed) problems.push(`microbenchmarks: ${micro.failed}`);
  return problems;
}

function notes(args, runs, rivals) {
  const ok = runs.filter((r) => !r.failed);
  const launcherMb = median(ok.map((r) => r.launcherRssMb));
  const agents = [...new Set(ok.filter((r) => r.spans !== undefined).map((r) => r.variant))];
  const sinkShares = agents.map((name) => `${name} ${fmt(100 * (median(ok.filter((r) => r.variant === name).map((r) => r.sinkCpuShare)) ?? NaN), 0)} %`);
  const list = [
    `Medians over ${args.rounds} interleaved rounds (every variant once per app and round, the order rotating). Each ratio pairs a run with the bare run of its round; the median of those ratios is shown.`,
    'CPU µs/req: user + system CPU time of the app process (all threads) in the measured window ÷ requests answered: the cost per request whatever share of a core the load generator and the sink leave, so the steadiest column.',
    `Peak RSS: the app process's VmHWM at the end of the load. ${launcherMb === undefined ? '' : `Under the \`otel-instrument\` CLI the launcher, the app's parent, adds ${fmt(launcherMb, 1)} MB of its own.`}`,
    `Spans per request: counted by the sink over the run, warm-up included, ÷ requests answered. Each agent records what it records (dd-trace and the official agent: a span per express layer; neither OpenTelemetry rival has a fastify instrumentation). For ours, % of the expected count (plain 1, gateway 2, express 3, fastify 3, fastify-pg 4); up to ${CONNECTIONS} requests per load run are answered after the load generator stops counting, so slightly over 100 % is normal.`,
    `CPU the sink used while receiving (share of one core, median; it shares the load generator's CPU, so a heavier export also slows the load a little): ${sinkShares.join(', ')}. A collector's cost that a real deployment pays elsewhere.`,
  ];
  if (rivals.missing.length > 0) list.push(`Rivals not installed, so not run: ${rivals.missing.join(', ')} (\`npm run bench:install-rivals\`).`);
  const killed = [...new Set(ok.filter((r) => r.exit?.killedAfterFlush).map((r) => r.variant))];
  if (killed.length > 0) list.push(`${killed.join(', ')}: flushed on SIGTERM but kept running; killed once the sink stopped receiving.`);
  const messages = [...new Set(ok.flatMap((r) => r.agentMessages))];
  if (messages.length > 0) list.push(`**Agent warnings seen:** ${messages.join(', ')}.`);
  const slack = (r) => 2 * CONNECTIONS * APPS[r.app].spansPerRequest + (APPS[r.app].setupSpans ?? 0); // in flight at the end of warm-up and load
  const wrong = ok.filter((r) => r.expectedSpans !== undefined && (r.spans < r.expectedSpans || r.spans > r.expectedSpans + slack(r)));
  if (wrong.length > 0) list.push(`**Spans missing or extra** in ${wrong.map((r) => `${r.app} / ${r.variant} / round ${r.round}: ${r.spans} for ${r.expectedSpans} expected`).join(', ')}.`);
  const strays = new Map();
  for (const r of ok) {
    for (const [path, n] of Object.entries(r.sinkPaths ?? {})) {
      if (!/^(POST \/v1\/(traces|metrics)|PUT \/v0\.[45]\/traces)$/.test(path)) strays.set(`${r.variant}: ${path}`, (strays.get(`${r.variant}: ${path}`) ?? 0) + n);
    }
  }
  if (strays.size > 0) list.push(`Other requests the sink answered 404: ${[...strays].map(([k, n]) => `${k} ×${n}`).join(', ')}.`);
  return list.map((n) => `- ${n}`).join('\n');
}

export function report({ args, runs, variants, rivals, startup, micro, environment, problems }) {
  const parts = ['# otel-instrument benchmark', '', environment, ''];
  if (args.sections.has('http')) {
    parts.push('## HTTP overhead', '', summaryTables(runs, args, variants), '', ...args.apps.map((app) => appTable(runs, app, variants)), notes(args, runs, rivals), '');
  }
  if (startup) parts.push(startupTable(startup));
  if (micro && !micro.failed) parts.push(microTable(micro));
  if (problems.length > 0) parts.push('## Harness problems', '', ...problems.map((p) => `- ${p}`), '');
  return parts.join('\n');
}
