/**
 * A Context that adds one value to a parent context by linking to it: a small object with its
 * methods on the prototype. The api's own context (BaseContext) copies its parent's whole Map and
 * makes three closures on every setValue; a request that derives a context for its SERVER span,
 * its web record and each child span paid that for every one of them.
 *
 * Anything that derives from a linked context gets a linked context, so the saving carries to
 * the children. Lookups walk the chain, so it is kept short: past MAX_DEPTH links, setValue
 * folds the chain into the api context at its bottom (one copy per folded value, once) and the
 * chain starts again from there. Code that holds a context only calls its three methods (the
 * Context interface), so which class it is does not show.
 */
import { createContextKey, type Context, type Span } from '@opentelemetry/api';

/** Marks a key deleted by deleteValue: lookups stop there and answer undefined. */
const DELETED: unique symbol = Symbol('deleted');
const MAX_DEPTH = 8;

export class LinkedContext implements Context {
  private constructor(
    private readonly _parent: Context,
    private readonly _key: symbol,
    private readonly _value: unknown,
    private readonly _depth: number,
  ) {}

  /** `parent` with `key` set to `value`. */
  static with(parent: Context, key: symbol, value: unknown): Context {
    if (parent instanceof LinkedContext) return parent.setValue(key, value);
    return new LinkedContext(parent, key, value, 1);
  }

  /** `parent` with `key` deleted. */
  static without(parent: Context, key: symbol): Context {
    if (parent instanceof LinkedContext) return parent.deleteValue(key);
    return new LinkedContext(parent, key, DELETED, 1);
  }

  getValue(key: symbol): unknown {
    let node: Context = this;
    while (node instanceof LinkedContext) {
      if (node._key === key) return node._value === DELETED ? undefined : node._value;
      node = node._parent;
    }
    return node.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    if (this._depth < MAX_DEPTH) return new LinkedContext(this, key, value, this._depth + 1);
    return new LinkedContext(this._fold(), key, value, 1);
  }

  deleteValue(key: symbol): Context {
    if (this._depth < MAX_DEPTH) return new LinkedContext(this, key, DELETED, this._depth + 1);
    return this._fold().deleteValue(key);
  }

  /** The chain's values applied, oldest first, to the context at its bottom. */
  private _fold(): Context {
    const links: LinkedContext[] = [];
    let node: Context = this;
    while (node instanceof LinkedContext) {
      links.push(node);
      node = node._parent;
    }
    let folded = node;
    for (let i = links.length - 1; i >= 0; i--) {
      const link = links[i];
      folded = link._value === DELETED ? folded.deleteValue(link._key) : folded.setValue(link._key, link._value);
    }
    return folded;
  }
}

/** The api's span key (trace.setSpan / getSpan): createContextKey is Symbol.for. */
export const SPAN_KEY = createContextKey('OpenTelemetry Context Key SPAN');

/** trace.setSpan(parent, span), as a linked context. */
export function contextWithSpan(parent: Context, span: Span): Context {
  return LinkedContext.with(parent, SPAN_KEY, span);
}
