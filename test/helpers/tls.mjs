// Throwaway certificates for localhost / 127.0.0.1. Node's crypto can make keys but not X.509
// certificates, so this needs the openssl CLI; `hasOpenssl` lets a test skip and say why.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Writes key.pem and cert.pem into `dir`; returns their paths. */
export function makeSelfSignedCertificate(dir) {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return { key, cert };
}

/**
 * A throwaway CA plus a server certificate (localhost / 127.0.0.1) and a client certificate,
 * both signed by it, for tests of CA pinning and mTLS. Writes PEM files into `dir`.
 */
export function makeCertificateAuthority(dir) {
  const file = (name) => join(dir, name);
  const openssl = (...args) => execFileSync('openssl', args, { stdio: 'ignore' });
  const ca = file('ca.pem');
  const caKey = file('ca-key.pem');
  openssl(
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '1',
    '-subj', '/CN=otel-instrument test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  );
  // Leaf extensions go through an -extfile: `x509 -req` drops the CSR's own extensions.
  const issue = (name, subject, extensions, serial) => {
    const key = file(`${name}-key.pem`);
    const cert = file(`${name}-cert.pem`);
    const csr = file(`${name}.csr`);
    const ext = file(`${name}.ext`);
    writeFileSync(ext, `${extensions.join('\n')}\n`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject);
    openssl(
      'x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-set_serial', serial,
      '-out', cert, '-days', '1', '-extfile', ext,
    );
    return { key, cert };
  };
  const server = issue('server', '/CN=localhost', [
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    'extendedKeyUsage=serverAuth',
  ], '1001');
  const client = issue('client', '/CN=otel-instrument test client', ['extendedKeyUsage=clientAuth'], '1002');
  return { ca, serverKey: server.key, serverCert: server.cert, clientKey: client.key, clientCert: client.cert };
}
