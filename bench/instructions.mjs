// Instructions per request, counted by valgrind (callgrind) rather than timed: the same count for
// the same binary and inputs whatever else the machine is doing, so a hot-path change can be
// judged on a loaded 2-core machine where wall-clock numbers move by ±15 %. The app process is
// counted, the load generator and the sink are not.
//
// Each variant runs twice, for N1 and N2 requests (4 keep-alive clients), and the difference
// divided by N2 − N1 is the steady-state cost of one request: start-up and warm-up cancel out.
// Two counts: the main thread, which serves the requests, and all threads. Valgrind runs one
// thread at a time, so V8's background compiler lags behind and still compiles in the measured
// window (about 40,000 instructions a request even for bare node), and how the parallel
// scavenger's work falls between the main thread and its helpers depends on that scheduling:
// all threads move by about ±5 % between runs, the main thread alone by up to ±15 %. Compare
// variants of one run, and changes by several runs.
//
//   node bench/instructions.mjs [--app plain|express|fastify|gateway] [--requests 5000,15000] [--node <binary>] [--only <names>]
// --only runs the variants whose names contain one of the comma-separated words (bare always runs).
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const REGISTER = join(root, 'dist', 'register.mjs');

const VARIANTS = [
  { name: 'bare', args: [], env: {} },
  { name: 'otel-instrument (--import)', args: ['--import', REGISTER], env: {} },
  { name: 'metrics off', args: ['--import', REGISTER], env: { OTEL_METRICS_EXPORTER: 'none' } },
  { name: 'sampler off', args: ['--import', REGISTER], env: { OTEL_TRACES_SAMPLER: 'always_off' } },
  { name: 'sampler and metrics off', args: ['--import', REGISTER], env: { OTEL_TRACES_SAMPLER: 'always_off', OTEL_METRICS_EXPORTER: 'none' } },
];

function parseArgs(argv) {
  const args = { app: 'plain', requests: [5000, 15000], node: process.execPath, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--app') args.app = argv[++i];
    else if (argv[i] === '--requests') args.requests = argv[++i].split(',').map(Number);
    else if (argv[i] === '--node') args.node = argv[++i];
    else if (argv[i] === '--only') args.only = argv[++i].split(',');
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

/** Starts `command`, resolves with the child once it printed `listening <port>`. */
async function startListening(command, args, env) {
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  const port = await new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${err}`)));
  });
  return { child, port, stderr: () => err };
}

async function drive(port, requests, path = '/users/42') {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let sent = 0;
  const client = async () => {
    while (sent < requests) {
      sent++;
      await new Promise((resolve, reject) =>
        http.get({ host: '127.0.0.1', port, path, agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
      );
    }
  };
  await Promise.all([client(), client(), client(), client()]);
  agent.destroy();
}

/** Instructions the app executed, start to exit, serving `requests` requests. */
async function countInstructions(args, variant, requests, sinkUrl, upstreamUrl) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, UPSTREAM_URL: upstreamUrl, ...variant.env };
  const app = join(here, 'fixtures', `${args.app}.js`);
  const dir = mkdtempSync(join(tmpdir(), 'oteli-callgrind-'));
  try {
    const out = join(dir, 'callgrind.out');
    const { child, port, stderr } = await startListening('valgrind', ['--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${out}`, args.node, ...variant.args, app], env);
    await drive(port, requests);
    // SIGINT: the app dies of it after the agent's flush; callgrind then prints its total.
    child.kill('SIGINT');
    await once(child, 'exit');
    const collected = /Collected : (\d+)/.exec(stderr());
    if (!collected) throw new Error(`no callgrind total for ${variant.name}:\n${stderr().slice(-2000)}`);
    // One file per thread, `-01` the main one; its `summary:` (or `totals:`) line is its count.
    const mainFile = readdirSync(dir).find((f) => f.endsWith('-01'));
    const summary = mainFile === undefined ? undefined : /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, mainFile), 'utf8'));
    if (!summary) throw new Error(`no main-thread count for ${variant.name}`);
    return { all: Number(collected[1]), main: Number(summary[1]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (spawnSync('valgrind', ['--version']).status !== 0) throw new Error('valgrind not found (apt-get install valgrind)');
  const sink = await startListening(args.node, [join(here, 'fixtures', 'sink.js')], { PATH: process.env.PATH });
  const upstream = await startListening(args.node, [join(here, 'fixtures', 'plain.js')], { PATH: process.env.PATH });
  const [n1, n2] = args.requests;
  const rows = [];
  try {
    const chosen = VARIANTS.filter((v, i) => i === 0 || args.only === undefined || args.only.some((word) => v.name.includes(word)));
    for (const variant of chosen) {
      const a = await countInstructions(args, variant, n1, `http://127.0.0.1:${sink.port}`, `http://127.0.0.1:${upstream.port}`);
      const b = await countInstructions(args, variant, n2, `http://127.0.0.1:${sink.port}`, `http://127.0.0.1:${upstream.port}`);
      rows.push({ name: variant.name, main: (b.main - a.main) / (n2 - n1), all: (b.all - a.all) / (n2 - n1) });
      process.stderr.write(`  ${variant.name}: ${Math.round(rows.at(-1).main)} instructions per request on the main thread, ${Math.round(rows.at(-1).all)} in all\n`);
    }
  } finally {
    sink.child.kill();
    upstream.child.kill();
  }
  const version = spawnSync(args.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const bare = rows[0];
  const n = (x) => Math.round(x).toLocaleString('en-US');
  console.log(`\n### Instructions per request: ${args.app} (Node.js ${version}, callgrind, ${n2 - n1} requests)\n`);
  console.log('| variant | main thread | ÷ bare | added | all threads | ÷ bare |');
  console.log('|---|--:|--:|--:|--:|--:|');
  for (const row of rows) {
    console.log(`| ${row.name} | ${n(row.main)} | ${(row.main / bare.main).toFixed(2)} | ${n(row.main - bare.main)} | ${n(row.all)} | ${(row.all / bare.all).toFixed(2)} |`);
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
