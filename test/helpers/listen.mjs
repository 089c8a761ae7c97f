// Listens on 127.0.0.1, port 0, and names the URL a client uses: TLS servers as
// https://localhost:PORT, since the tests' certificates are for localhost.
export async function listenOnLoopback(server, { tls = false, port: wanted = 0 } = {}) {
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(wanted, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return { port, url: tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}` };
}

/**
 * A loopback port that was free a moment ago: nothing listens there (a closed collector), or a
 * server the agent opens itself can take it.
 */
export async function unusedPort() {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
