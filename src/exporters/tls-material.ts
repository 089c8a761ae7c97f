/** The PEM files of the OTLP TLS settings, read once when the exporter is built. */
import * as fs from 'node:fs';
import { log } from '../log';
import type { OtlpConfig } from '../config/types';
import type { TlsMaterial } from './sync-send';

/** Reads the PEM files once; an unreadable file warns and is left out (the handshake decides). */
export function readTlsMaterial(config: OtlpConfig): TlsMaterial {
  const read = (file: string | undefined, what: string): Buffer | undefined => {
    if (!file) return undefined;
    try {
      return fs.readFileSync(file);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      log.warnOnce('OTELI_W_OTLP_TLS_FILE', `cannot read the OTLP ${what} file "${file}", continuing without it: ${detail}`);
      return undefined;
    }
  };
  const tls: { ca?: Buffer; key?: Buffer; cert?: Buffer } = {};
  const ca = read(config.certificateFile, 'certificate');
  const key = read(config.clientKeyFile, 'client key');
  const cert = read(config.clientCertificateFile, 'client certificate');
  if (ca) tls.ca = ca;
  if (key) tls.key = key;
  if (cert) tls.cert = cert;
  return tls;
}
