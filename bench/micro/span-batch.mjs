// A realistic export batch for the encoder benchmarks: per request a SERVER span (~14
// attributes) and a CLIENT span (~9 attributes, from the http or the fetch tracer, alternating),
// the way our http and fetch instrumentations set them. Built with whatever SDK the tracers come
// from (ours, or @opentelemetry/sdk-trace-base for the official encoder); the caller's span
// processor collects the ended spans into `collected` until there are `size`.

const USER_AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'curl/8.5.0',
  'wrk',
];

export function buildBatch(api, { httpTracer, fetchTracer }, collected, size) {
  const clientTracers = [httpTracer, fetchTracer];
  // GET /users/:id (SERVER)
  //  └─ GET (CLIENT, from http or fetch)
  for (let i = 0; collected.length < size; i++) {
    const id = 1000 + ((i * 7919) % 100000);
    const server = httpTracer.startSpan(
      'GET /users/:id',
      {
        kind: api.SpanKind.SERVER,
        attributes: {
          'http.request.method': 'GET',
          'url.path': `/users/${id}`,
          'url.scheme': 'http',
          'url.query': i % 4 === 0 ? 'include=orders&limit=20' : undefined,
          'server.address': 'api.internal.example.com',
          'server.port': 8080,
          'client.address': '10.0.3.17',
          'network.peer.address': '10.0.3.17',
          'network.peer.port': 40000 + (i % 20000),
          'network.protocol.version': '1.1',
          'user_agent.original': USER_AGENTS[i % USER_AGENTS.length],
        },
      },
      api.ROOT_CONTEXT,
    );
    server.setAttribute('http.route', '/users/:id');
    const parent = api.trace.setSpan(api.ROOT_CONTEXT, server);
    const client = clientTracers[i % 2].startSpan(
      'GET',
      {
        kind: api.SpanKind.CLIENT,
        attributes: {
          'http.request.method': 'GET',
          'url.full': `http://users-db.internal:3001/v1/users/${id}?fields=name,email`,
          'server.address': 'users-db.internal',
          'server.port': 3001,
          'network.peer.address': '10.0.7.42',
          'network.peer.port': 3001,
        },
      },
      parent,
    );
    client.setAttribute('http.response.status_code', i % 50 === 0 ? 404 : 200);
    client.setAttribute('network.protocol.version', '1.1');
    client.end();
    server.setAttribute('http.response.status_code', i % 50 === 0 ? 404 : 200);
    if (i % 50 === 0) server.setAttribute('error.type', '404');
    server.end();
  }
  collected.length = size;
  return collected;
}
