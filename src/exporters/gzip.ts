/**
 * gzip for export bodies. node:zlib is required on first use: most set-ups export without
 * compression, and loading it costs a few ms of every app's start-up.
 */
function zlib(): typeof import('node:zlib') {
  return require('node:zlib') as typeof import('node:zlib');
}

export function gzipAsync(body: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => zlib().gzip(body, (err, out) => (err ? reject(err) : resolve(out))));
}

export function gzipSync(body: Uint8Array): Buffer {
  return zlib().gzipSync(body);
}
