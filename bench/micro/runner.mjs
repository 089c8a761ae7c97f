// Runs microbenchmark cases: each side (ours, and a reference implementation when there is one)
// warms up once, then the sides alternate for `rounds` rounds, the order rotating, and the median
// time per operation is reported. A case's `run(n)` performs n operations and returns a value
// that depends on them, folded into a sink so that nothing is optimized away.

let sink = 0;

function measure(run, ops) {
  const start = process.hrtime.bigint();
  const out = run(ops);
  sink ^= typeof out === 'number' ? out : 1;
  return Number(process.hrtime.bigint() - start) / ops;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * case: { name, ours: run, reference?: { name, run }, ops, unit: 'ns' | 'spans/s' }.
 * Returns { name, oursNs, referenceNs, referenceName, unit }.
 */
export function runCase(c, { rounds, scale }) {
  const ops = Math.max(1, Math.round(c.ops * scale));
  const sides = [c.ours, ...(c.reference ? [c.reference.run] : [])];
  for (const run of sides) measure(run, ops); // warm-up: let each be optimized first
  const samples = sides.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < sides.length; k++) {
      const i = (r + k) % sides.length;
      samples[i].push(measure(sides[i], ops));
    }
  }
  const [oursNs, referenceNs] = samples.map(median);
  return { name: c.name, oursNs, referenceNs, referenceName: c.reference?.name, unit: c.unit ?? 'ns' };
}

export const keepSink = () => sink;
