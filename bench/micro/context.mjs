// A context switch: contextManager.with(ctx, fn) with fn reading the active context, as every
// wrapped callback does; ours against @opentelemetry/context-async-hooks (what sdk-trace-node
// registers).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager: Theirs } = require('@opentelemetry/context-async-hooks');
const { AsyncLocalStorageContextManager: Ours } = require('../../dist/sdk/context-manager.js');

const KEY = api.createContextKey('bench');

function withLoop(manager) {
  const ctx = api.ROOT_CONTEXT.setValue(KEY, 1);
  const read = () => manager.active().getValue(KEY);
  return (n) => {
    let out = 0;
    for (let i = 0; i < n; i++) out += manager.with(ctx, read);
    return out;
  };
}

export function cases() {
  return [{
    name: 'context: with(ctx, fn) + active()',
    ours: withLoop(new Ours().enable()),
    reference: { name: 'context-async-hooks', run: withLoop(new Theirs().enable()) },
    ops: 500_000,
  }];
}
