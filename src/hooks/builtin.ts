/**
 * Node builtins: name normalisation ('node:http' → 'http') and `process.getBuiltinModule`
 * (Node ≥ 20.16), which hands out builtins without going through `require`.
 *
 * require-in-the-middle 8 already wraps `process.getBuiltinModule`, but only while its own hook
 * is live and not soft-unhooked; we wrap it too (outermost, idempotent) so an instrumented builtin
 * obtained that way is always patched. Patching is idempotent per exports object, so going through
 * both wrappers costs one WeakMap lookup.
 */
import { isBuiltin } from 'node:module';
import { log } from '../log';

const MARK = Symbol.for('otel-instrument.getBuiltinModule');

/** The name a builtin is matched by ('node:http' → 'http'; 'node:test' stays prefixed). */
export function builtinName(id: string): string | undefined {
  if (!isBuiltin(id)) return undefined;
  if (id.startsWith('node:')) {
    const bare = id.slice(5);
    return isBuiltin(bare) ? bare : id;
  }
  return id;
}

type GetBuiltinModule = (id: string) => unknown;
type OnBuiltin = (exports: unknown, name: string) => unknown;

/**
 * Wrap `process.getBuiltinModule` so that builtins in `names` go through `onBuiltin` (which
 * returns the exports to hand out). A no-op where the function does not exist or is already ours.
 */
export function hookGetBuiltinModule(names: ReadonlySet<string>, onBuiltin: OnBuiltin): void {
  const proc = process as unknown as { getBuiltinModule?: GetBuiltinModule };
  const current = proc.getBuiltinModule;
  if (typeof current !== 'function') {
    log.debug('process.getBuiltinModule does not exist in this Node.js; nothing to wrap');
    return;
  }
  if ((current as unknown as Record<symbol, unknown>)[MARK] === true) {
    log.debug('process.getBuiltinModule is already wrapped by otel-instrument');
    return;
  }
  const wrapped = function getBuiltinModule(this: unknown, id: string): unknown {
    // eslint-disable-next-line prefer-rest-params
    const exports = current.apply(this, arguments as unknown as [string]);
    if (exports === undefined || typeof id !== 'string') return exports;
    let name: string | undefined;
    try {
      name = builtinName(id);
      if (name === undefined || !names.has(name)) return exports;
      return onBuiltin(exports, name);
    } catch (err) {
      // onBuiltin contains its own errors; this is a last line of defence.
      log.debug(`process.getBuiltinModule(${id}) hook failed, returning the unpatched module: ${String(err)}`);
      return exports;
    }
  };
  Object.defineProperty(wrapped, MARK, { value: true });
  Object.defineProperty(wrapped, 'length', { value: current.length });
  try {
    proc.getBuiltinModule = wrapped;
  } catch (err) {
    log.debug(`could not wrap process.getBuiltinModule: ${String(err)}`);
  }
}
