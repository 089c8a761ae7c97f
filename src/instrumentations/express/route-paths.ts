/**
 * Route templates for express: the path each router layer was declared with (`app.use('/api',
 * …)`, `router.get('/orders/:orderId', …)`), recorded when the layer is created, since neither
 * express 4's Layer nor router 2's keeps the declared string; and how the templates of the
 * mount points and the route join into one `http.route`.
 */

/** What a layer was declared with: a string, a RegExp, or an array of either. */
export type DeclaredPath = string | RegExp | ReadonlyArray<DeclaredPath>;

interface Layer {
  route?: unknown;
  match?: (path: string) => unknown;
}

const declaredPaths = new WeakMap<object, DeclaredPath>();

export function declaredPathOf(layer: object): DeclaredPath | undefined {
  return declaredPaths.get(layer);
}

/**
 * The path argument of `use([path], ...handlers)`, parsed as express 4 and router 2 parse it: a
 * first argument that is not a function (nor an array whose first leaf is one) is the path.
 */
export function pathOfUse(args: ArrayLike<unknown>): DeclaredPath {
  const first = args[0];
  if (typeof first === 'function') return '/';
  let leaf: unknown = first;
  while (Array.isArray(leaf) && leaf.length !== 0) leaf = leaf[0];
  return typeof leaf === 'function' || first === undefined ? '/' : (first as DeclaredPath);
}

/** After a `use`/`route` call: remember the declared path of the layers it pushed. */
export function recordNewLayers(stack: unknown, fromIndex: number, path: DeclaredPath): void {
  if (!Array.isArray(stack)) return;
  for (let i = fromIndex; i < stack.length; i++) {
    const layer = stack[i];
    if (typeof layer === 'object' && layer !== null && !declaredPaths.has(layer)) declaredPaths.set(layer, path);
  }
}

function render(path: string | RegExp): string {
  // A RegExp route is its source (`^\/files\/.*$`): the template a user wrote, low cardinality.
  return typeof path === 'string' ? path : path.source;
}

/**
 * One template for a declared path. An array names several alternatives: the one that matched
 * the request's path relative to this router (router 2.3+ says which; otherwise each is tried
 * with a layer of its own), or all of them joined by `,` when that cannot be told.
 */
export function templateOf(layer: Layer, path: DeclaredPath, relativePath: string, layerFactory: ((p: DeclaredPath) => Layer) | undefined): string {
  if (!Array.isArray(path)) return render(path as string | RegExp);
  const flat = (path as unknown[]).flat(Infinity as 1) as Array<string | RegExp>;
  const matched = (layer.match?.(relativePath) as { pattern?: unknown } | false | undefined) || undefined;
  if (matched !== undefined && (typeof matched.pattern === 'string' || matched.pattern instanceof RegExp)) return render(matched.pattern);
  if (layerFactory !== undefined) {
    for (const alternative of flat) {
      try {
        if (layerFactory(alternative).match?.(relativePath)) return render(alternative);
      } catch {
        break; // a layer we cannot build: fall back to the list
      }
    }
  }
  return flat.map(render).join(',');
}

/** `/api` + `/v1` + `/orders/:id` → `/api/v1/orders/:id`; a route `/` under a mount is the mount. */
export function joinTemplates(mounts: readonly string[], route: string): string {
  let out = '';
  for (const mount of mounts) out += trimSlashes(mount);
  const tail = trimSlashes(route);
  const joined = out + tail;
  if (joined === '') return '/';
  return route.endsWith('/') && route !== '/' ? `${joined}/` : joined;
}

/** '/api/' → '/api', 'api' → '/api', '/' → '' (a mount at the root adds nothing). */
function trimSlashes(segment: string): string {
  if (segment === '' || segment === '/') return '';
  let s = segment.endsWith('/') ? segment.slice(0, -1) : segment;
  if (!s.startsWith('/') && !s.startsWith('^')) s = `/${s}`;
  return s;
}
