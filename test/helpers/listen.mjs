// Listens on 127.0.0.1, port 0, and names the URL a client uses: TLS servers as
// https://localhost:PORT, since the tests' certificates are for localhost.
export async function listenOnLoopback(server, { tls = false } = {}) {
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return { port, url: tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}` };
}
