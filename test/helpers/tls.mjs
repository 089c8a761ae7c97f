// A throwaway certificate for localhost / 127.0.0.1. Node's crypto can make keys but not X.509
// certificates, so this needs the openssl CLI; `hasOpenssl` lets a test skip and say why.
import { execFileSync } from 'node:child_process';
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
