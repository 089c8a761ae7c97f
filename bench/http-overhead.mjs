// `npm run bench` (not a test): the agent's cost on real HTTP apps, side by side with the other
// Node.js agents, in one interleaved run; then the start-up cost of each agent and the
// microbenchmarks of our hot paths. Prints a markdown report and writes it to
// bench/results/latest.md, with every run's raw numbers in bench/results/latest.json.
//
// Apps (./lib/apps.mjs): node:http hello world, a gateway making one fetch per request, express 5
// (CommonJS and ES module), fastify 5, fastify 5 + pg against real PostgreSQL. Variants
// (./lib/variants.mjs, ./lib/rivals.mjs): bare node; ours through the CLI and through --import;
// the official auto-instrumentations-node, dd-trace and EDOT Node.js when installed
// (`npm run bench:install-rivals`). Every agent exports all its spans to ./fixtures/sink.js, which
// counts them. Load from wrk (or ./fixtures/load.mjs) on the other CPUs than the app's.
//
//   npm run bench -- [--quick] [--rounds 3] [--duration 5] [--warmup 2] [--app <name>,…|all]
//                    [--load wrk|node] [--only http,startup,micro] [--ours-variants] [--no-rivals]
//                    [--startup-runs 15] [--cpu-prof]
// Exits non-zero when the harness is broken (a variant failed, an agent delivered no span, an app
// answered errors), never because a number is slow. Run `npm run build` first.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installFixtures } from '../scripts/install-fixtures.mjs';
import { APPS, FIXTURES } from './lib/apps.mjs';
import { compareProfiles, readProfiles } from './lib/cpu-profile-top.mjs';
import { CONNECTIONS, runOnce, runRounds, sinkStats } from './lib/http-run.mjs';
import { cleanEnv, cpuLayout, killAll, killGroup, pinned, startServer, stopServer } from './lib/processes.mjs';
import { harnessProblems, report } from './lib/report.mjs';
import { installedRivals } from './lib/rivals.mjs';
import { measureStartup } from './lib/startup.mjs';
import { fmt, oneLine } from './lib/stats.mjs';
import { COMPARISON, OURS_EXTRAS, commandLine, variantEnv, variantsFor } from './lib/variants.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', 'results');
const SECTIONS = ['http', 'startup', 'micro'];
// --quick: the harness end to end in well under 2 minutes (CI runs it); it checks that
// everything starts and delivers, and its numbers mean nothing.
const QUICK = { rounds: 1, durationS: 1, warmupS: 1, apps: ['plain', 'express-esm'], startupRuns: 3 };

function usage(message) {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write('usage: node bench/http-overhead.mjs [--quick] [--rounds N] [--duration S] [--warmup S] [--app <name>,…|all] [--load wrk|node] ' +
    '[--only http,startup,micro] [--ours-variants] [--no-rivals] [--startup-runs N] [--cpu-prof]\n' +
    `apps: ${Object.keys(APPS).join(', ')}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  // 10 s of warm-up: V8 goes on optimizing for 10-15 s under this load (node:http hello world,
  // Node.js 24, --trace-opt: bare 239 functions optimized in the first 5 s and 58 in the next 10,
  // ours 497 and 160), and both keep speeding up meanwhile; a 2 s warm-up measured the JIT's
  // progress as much as the agent, and most for the agent with the more code to optimize.
  const args = { rounds: 3, durationS: 5, warmupS: 10, apps: Object.keys(APPS), startupRuns: 15, sections: new Set(SECTIONS), oursVariants: false, rivals: true, cpuProf: false };
  if (argv.includes('--quick')) Object.assign(args, QUICK, { quick: true });
  const int = (value, name, min, max) => {
    const n = Number(value);
    if (!(Number.isInteger(n) && n >= min && n <= max)) usage(`${name}: an integer in [${min}, ${max}]`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === '--quick') continue;
    else if (flag === '--rounds') args.rounds = int(value(), flag, 1, 50);
    else if (flag === '--duration') args.durationS = int(value(), flag, 1, 120);
    else if (flag === '--warmup') args.warmupS = int(value(), flag, 1, 60);
    else if (flag === '--startup-runs') args.startupRuns = int(value(), flag, 1, 100);
    else if (flag === '--app') {
      const list = value();
      args.apps = list === 'all' ? Object.keys(APPS) : list.split(',');
      for (const app of args.apps) if (!(app in APPS)) usage(`--app: ${Object.keys(APPS).join(', ')} or all, not ${app}`);
    } else if (flag === '--load') {
      args.load = value();
      if (args.load !== 'wrk' && args.load !== 'node') usage('--load: wrk or node');
    } else if (flag === '--only') {
      args.sections = new Set(value().split(','));
      for (const s of args.sections) if (!SECTIONS.includes(s)) usage(`--only: ${SECTIONS.join(', ')}`);
    } else if (flag === '--ours-variants') args.oursVariants = true;
    else if (flag === '--no-rivals') args.rivals = false;
    else if (flag === '--cpu-prof') args.cpuProf = true;
    else if (flag === '--help' || flag === '-h') usage();
    else usage(`unknown argument ${flag}`);
  }
  args.load ??= spawnSync('wrk', ['--version']).error === undefined ? 'wrk' : 'node';
  return args;
}

function describeEnvironment(args, ctx, rivals) {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  const loader = args.load === 'wrk' ? `wrk -t1 -c${CONNECTIONS}` : `bench/fixtures/load.mjs with ${CONNECTIONS} keep-alive connections`;
  const pinning = ctx.cpus ? `app on CPU ${ctx.cpus.app}; load generator, sink and upstream on CPU ${ctx.cpus.load} (taskset)` : 'no CPU pinning (taskset missing or one CPU)';
  const agents = rivals.variants.map((v) => `${v.name} ${v.version}`).join(', ');
  return `Node.js ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, commit ${commit}, ${new Date().toISOString().slice(0, 16)}Z${args.quick ? ', **--quick: a smoke run, the numbers mean nothing**' : ''}. ` +
    `Load: ${loader}, ${args.warmupS} s warm-up + ${args.durationS} s measured per run, loopback; ${pinning}. ` +
    `Export: OTLP http/protobuf (dd-trace: its agent protocol, msgpack) to bench/fixtures/sink.js. Rivals: ${agents || 'none installed'}.`;
}

/** The microbenchmarks, run as their own process on the app's CPU. */
function runMicro(ctx, args) {
  const [file, argv] = pinned(ctx.cpus?.app, process.execPath, [join(ROOT, 'bench', 'micro.mjs'), '--json', ...(args.quick ? ['--quick'] : [])]);
  return new Promise((resolve) => {
    const child = spawn(file, argv, { env: cleanEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => {
      const line = /^BENCH_JSON (.*)$/m.exec(out);
      resolve(code === 0 && line ? JSON.parse(line[1]) : { failed: `bench/micro.mjs exited ${code}: ${out.trim().slice(-1000)}` });
    });
  });
}

async function profileRuns(ctx, args, variants) {
  const profDir = join(OUT, 'cpu-prof');
  rmSync(profDir, { recursive: true, force: true });
  const sections = [];
  for (const appName of args.apps) {
    const profiled = [];
    for (const [i, variant] of variantsFor(variants, appName).entries()) {
      const dir = join(profDir, appName, String(i));
      mkdirSync(dir, { recursive: true });
      try {
        const run = await runOnce(ctx, appName, variant, { cpuProfDir: dir });
        process.stderr.write(`profiled ${appName} ${variant.name}: ${fmt(run.requestsPerS)} req/s\n`);
        profiled.push({ ...run, functions: readProfiles(dir, { windowUs: run.loadWindowUs, root: ROOT }) });
      } catch (err) {
        sections.push(`Profiling ${appName}, ${variant.name} failed: ${oneLine(err)}\n`);
      }
    }
    if (profiled[0]?.variant !== 'bare') continue; // nothing to compare with
    for (const other of profiled.slice(1)) sections.push(compareProfiles(`${appName}, ${other.variant}`, profiled[0], other));
  }
  return sections.join('\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(join(ROOT, 'dist', 'register.mjs'))) usage('dist/ is missing: run `npm run build` first');
  const needsApps = args.sections.has('http') || args.sections.has('startup');
  if (needsApps && installFixtures({ quiet: true }) !== 0) usage('installing the framework fixtures failed (node scripts/install-fixtures.mjs)');
  const rivals = args.rivals ? installedRivals() : { variants: [], missing: [] };
  const variants = [...COMPARISON, ...(args.oursVariants ? OURS_EXTRAS : []), ...rivals.variants];
  const agentsForStartup = [...COMPARISON, ...rivals.variants];

  const httpRuns = args.sections.has('http') ? args.apps.reduce((n, app) => n + variantsFor(variants, app).length, 0) * (args.rounds + (args.cpuProf ? 1 : 0)) : 0;
  // A bound on the whole run, so that a wedged process cannot keep the bench (or CI) waiting forever.
  const budgetS = httpRuns * (args.warmupS + args.durationS + 30) + (args.sections.has('startup') ? args.startupRuns * agentsForStartup.length * 25 : 0) + 300;
  setTimeout(() => {
    process.stderr.write(`bench: still running after ${budgetS} s; giving up\n`);
    process.exit(1); // the 'exit' listener kills every child
  }, budgetS * 1000).unref();
  if (rivals.missing.length > 0) process.stderr.write(`bench: rivals not installed (npm run bench:install-rivals): ${rivals.missing.join(', ')}\n`);
  process.stderr.write(`bench: ${httpRuns} HTTP runs with ${args.load}, about ${Math.ceil((httpRuns * (args.warmupS + args.durationS + 3)) / 60)} min, then ${[...args.sections].filter((s) => s !== 'http').join(' and ') || 'nothing else'}\n`);

  const layout = cpuLayout();
  // The bench itself mostly waits, but it polls the sink: keep it off the app's CPU too.
  if (layout) spawnSync('taskset', ['-a', '-p', '-c', layout.load, String(process.pid)], { stdio: 'ignore' });
  const sink = await startServer('sink', [join(FIXTURES, 'sink.js')], cleanEnv({}), { cpus: layout?.load });
  const upstream = await startServer('upstream', [join(FIXTURES, 'plain.js')], cleanEnv({}), { cpus: layout?.load });
  const ctx = {
    // The PostgreSQL the tests use (test/helpers/postgres.mjs): the PG* variables, or embedded.
    pgEnv: args.sections.has('http') && args.apps.some((app) => APPS[app].postgres) ? await (await import('../test/helpers/postgres.mjs')).postgresEnv() : {},
    cpus: layout,
    sinkPid: sink.appPid,
    sinkUrl: `http://127.0.0.1:${sink.port}`,
    upstreamUrl: `http://127.0.0.1:${upstream.port}/`,
    load: args.load,
    durationS: args.durationS,
    warmupS: args.warmupS,
  };
  ctx.sinkGrpcUrl = `http://127.0.0.1:${(await sinkStats(ctx)).grpcPort}`;

  let runs = [];
  if (args.sections.has('http')) {
    if (!args.quick) {
      // One unmeasured start of each variant warms the file cache, so round 1 is no outlier.
      for (const appName of args.apps) {
        for (const variant of variantsFor(variants, appName)) {
          try {
            const server = await startServer(`${appName} (${variant.name}, priming)`, commandLine(ctx, appName, variant), variantEnv(ctx, appName, variant), { cpus: layout?.app });
            killGroup(server.child); // no request was made: nothing to flush
            await server.exited;
          } catch (err) {
            process.stderr.write(`priming ${appName} ${variant.name}: ${err.message}\n`); // the measured run will fail and say so
          }
        }
      }
    }
    runs = await runRounds(ctx, args, variants);
  }
  const startup = args.sections.has('startup') ? await measureStartup(ctx, agentsForStartup, { runs: args.startupRuns, listenRuns: args.startupRuns }) : undefined;
  const micro = args.sections.has('micro') ? await runMicro(ctx, args) : undefined;
  const profiles = args.cpuProf && args.sections.has('http') ? await profileRuns(ctx, args, variants) : '';
  await stopServer(upstream);
  await stopServer(sink);
  if (ctx.pgEnv.PGHOST !== undefined) await (await import('../test/helpers/postgres.mjs')).stopPostgres();

  const environment = describeEnvironment(args, ctx, rivals);
  const problems = harnessProblems({ runs, variants, startup, micro });
  let markdown = report({ args, runs, variants, rivals, startup, micro, environment, problems });
  if (profiles) markdown += `\n${profiles}`;
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'latest.md'), markdown);
  writeFileSync(join(OUT, 'latest.json'), `${JSON.stringify({ environment, args: { ...args, sections: [...args.sections] }, runs, startup, micro }, null, 2)}\n`);
  process.stdout.write(markdown);
  process.stderr.write(`bench: wrote bench/results/latest.md and latest.json${problems.length ? `; ${problems.length} harness problem(s), exiting 1` : ''}\n`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.stack ?? err}${err.cause ? `\ncause: ${err.cause.stack ?? err.cause}` : ""}\n`);
  killAll();
  process.exit(1);
});
