// cli.test.mjs again, on the spawn path (OTEL_NODE_LAUNCHER=spawn), where this Node.js would
// otherwise exec: both launch paths are tested on every Node.js that has both.
import { test } from 'node:test';

if (typeof process.execve === 'function') {
  process.env.OTEL_NODE_LAUNCHER = 'spawn';
  await import('./cli.test.mjs');
} else {
  test('the spawn path is what cli.test.mjs tests on this Node.js (no process.execve)', { skip: 'covered by cli.test.mjs' }, () => {});
}
