// Start-up and memory of the launch paths (not a test): `node -e 0` bare, with our preload
// (`node --import otel-instrument/register -e 0`), and through the CLI on each launch path
// (exec: the CLI becomes the app; spawn: the CLI stays as the app's parent). Wall time of the
// whole command and peak RSS (GNU time's %M: the largest process of the tree), medians of
// interleaved runs; plus the resident launcher itself on the spawn path (the CLI running `sleep`).
//   node bench/launcher-startup.mjs [--runs 15] [--node /path/to/node]...
// Writes .bench/launcher-startup.md. Build first (npm run build).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'otel-instrument.js');
const REGISTER = pathToFileURL(join(ROOT, 'dist', 'register.mjs')).href;
const TIME = '/usr/bin/time';

const args = { runs: 15, nodes: [] };
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '--runs') args.runs = Number(process.argv[++i]);
  else if (process.argv[i] === '--node') args.nodes.push(process.argv[++i]);
  else throw new Error(`unknown argument ${process.argv[i]}`);
}
if (args.nodes.length === 0) args.nodes.push(process.execPath);
if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed for the memory figures`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function variants(node) {
  const quiet = { OTEL_TRACES_EXPORTER: 'none', OTEL_LOG_LEVEL: 'warn' };
  // PATH first: the CLI's `node` is the Node.js being measured.
  const env = (extra) => ({ ...process.env, PATH: `${dirname(node)}:${process.env.PATH}`, NODE_OPTIONS: '', ...quiet, ...extra });
  return [
    { name: 'bare `node -e 0`', argv: [node, '-e', '0'], env: env({}) },
    { name: '`node --import otel-instrument/register -e 0`', argv: [node, '--import', REGISTER, '-e', '0'], env: env({}) },
    { name: '`otel-instrument node -e 0`, exec', argv: [node, CLI, 'node', '-e', '0'], env: env({ OTEL_NODE_LAUNCHER: 'exec' }) },
    { name: '`otel-instrument node -e 0`, spawn', argv: [node, CLI, 'node', '-e', '0'], env: env({ OTEL_NODE_LAUNCHER: 'spawn' }) },
    { name: 'the resident launcher alone (spawn, running `sleep 0.3`)', argv: [node, CLI, 'sleep', '0.3'], env: env({ OTEL_NODE_LAUNCHER: 'spawn' }), memoryOnly: true },
  ];
}

function runOnce(variant) {
  const started = process.hrtime.bigint();
  const result = spawnSync(TIME, ['-f', '%M', ...variant.argv], { env: variant.env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${variant.name} failed: ${result.stderr}`);
  const kb = Number(result.stderr.trim().split('\n').at(-1));
  return { ms, mb: kb / 1024 };
}

const out = [];
for (const node of args.nodes) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const list = variants(node);
  const samples = list.map(() => ({ ms: [], mb: [] }));
  for (let round = 0; round < args.runs; round++) {
    for (let k = 0; k < list.length; k++) {
      const i = (k + round) % list.length; // rotate the order
      const { ms, mb } = runOnce(list[i]);
      samples[i].ms.push(ms);
      samples[i].mb.push(mb);
    }
  }
  const bare = median(samples[0].ms);
  const bareMb = median(samples[0].mb);
  out.push(`### Node.js ${version} (${args.runs} interleaved runs, medians)`, '', '| command | wall time | vs bare | peak RSS | vs bare |', '|---|--:|--:|--:|--:|');
  list.forEach((v, i) => {
    const ms = median(samples[i].ms);
    const mb = median(samples[i].mb);
    const time = v.memoryOnly ? '' : `${ms.toFixed(0)} ms`;
    const ratio = v.memoryOnly ? '' : i === 0 ? '' : `${(ms / bare).toFixed(2)}× (+${(ms - bare).toFixed(0)} ms)`;
    const mem = i === 0 || v.memoryOnly ? '' : `+${(mb - bareMb).toFixed(1)} MB`;
    out.push(`| ${v.name} | ${time} | ${ratio} | ${mb.toFixed(1)} MB | ${mem} |`);
  });
  out.push('');
}
const text = out.join('\n');
console.log(text);
mkdirSync(join(ROOT, '.bench'), { recursive: true });
writeFileSync(join(ROOT, '.bench', 'launcher-startup.md'), text + '\n');
