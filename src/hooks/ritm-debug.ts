/**
 * What require-in-the-middle gets for its `require('debug')` inside the preload's bundle
 * (scripts/bundle-preload.mjs): the real `debug` logger where DEBUG is set, a no-op otherwise.
 * Loading `debug` costs every start-up node:tty and four files (~4-6 ms), only to print nothing
 * when DEBUG is unset, as it nearly always is. The bundle's copy of `debug` is its own, so the
 * app's `debug.enable()` never reached it: DEBUG at start-up is all that ever switched it on.
 */
type Logger = (formatter: string, ...args: unknown[]) => void;

const silent: Logger = () => {};

function createDebug(namespace: string): Logger {
  if (!process.env.DEBUG) return silent;
  return (require('debug') as (namespace: string) => Logger)(namespace);
}

export = createDebug;
