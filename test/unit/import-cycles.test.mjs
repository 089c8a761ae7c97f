// No import cycles among src/ files (static value imports; `import type` is erased): the layout
// is agent → hooks/kit → instrumentations → sdk-free helpers, never back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const files = [];
(function walk(d) { for (const n of readdirSync(d)) { const p = join(d, n); statSync(p).isDirectory() ? walk(p) : /\.m?ts$/.test(n) && files.push(p); } })(join(ROOT, 'src'));
const res = (from, spec) => {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec.replace(/\.m?js$/, ''));
  for (const c of [base + '.ts', base + '.mts', join(base, 'index.ts')]) if (existsSync(c)) return c;
};
const graph = new Map();
for (const f of files) {
  const src = readFileSync(f, 'utf8');
  const deps = new Set();
  for (const m of src.matchAll(/^(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) { if (/^import type|^export type/.test(m[0])) continue; const r = res(resolve(f), m[1]); r && deps.add(r); }
  graph.set(resolve(f), deps);
}
const cycles = new Set();
const stack = [], on = new Set(), done = new Set();
function dfs(n) { stack.push(n); on.add(n); for (const d of graph.get(n) ?? []) { if (on.has(d)) cycles.add(stack.slice(stack.indexOf(d)).map(p => p.replace(ROOT + '/', '')).join(' -> ')); else if (!done.has(d)) dfs(d); } on.delete(n); stack.pop(); done.add(n); }
for (const n of graph.keys()) if (!done.has(n)) dfs(n);

test('src/ has no import cycle', () => {
  assert.deepEqual([...cycles], []);
});
