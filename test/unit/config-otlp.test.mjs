// readConfig: the OTEL_EXPORTER_OTLP_* variables (endpoint rules, headers, protocol, timeout,
// compression, TLS files). Signal-specific (TRACES_) values win over generic ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { readConfig } = require('../../dist/config/index.js');
const { resetLogOnce } = require('../../dist/log.js');

function read(env) {
  resetLogOnce();
  const chunks = [];
  const original = process.stderr.write;
  process.stderr.write = (chunk) => (chunks.push(String(chunk)), true);
  try {
    const { otlp } = readConfig(env);
    return { otlp, warnings: chunks.join('').split('\n').filter((l) => l !== '') };
  } finally {
    process.stderr.write = original;
  }
}

function assertOneWarning(warnings, ...parts) {
  assert.equal(warnings.length, 1, `expected one warning line, got ${JSON.stringify(warnings)}`);
  for (const part of parts) assert.ok(warnings[0].includes(part), `${JSON.stringify(warnings[0])} lacks ${JSON.stringify(part)}`);
}

test('OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/traces appended', () => {
  assert.equal(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).otlp.endpoint, 'http://collector:4318/v1/traces');
});

test('OTEL_EXPORTER_OTLP_ENDPOINT with a trailing slash gets no double slash', () => {
  assert.equal(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).otlp.endpoint, 'http://collector:4318/v1/traces');
});

test('OTEL_EXPORTER_OTLP_ENDPOINT with a path keeps the path', () => {
  assert.equal(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://gw.example/otlp/' }).otlp.endpoint, 'https://gw.example/otlp/v1/traces');
});

test('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as given and wins over the generic one', () => {
  const { otlp, warnings } = read({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9999/custom',
  });
  assert.deepEqual(warnings, []);
  assert.equal(otlp.endpoint, 'http://traces:9999/custom');
  assert.equal(read({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9999/' }).otlp.endpoint, 'http://traces:9999/');
});

test('OTEL_EXPORTER_OTLP_ENDPOINT invalid falls back to the default', () => {
  const { otlp, warnings } = read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' });
  assert.equal(otlp.endpoint, 'http://localhost:4318/v1/traces');
  assertOneWarning(warnings, 'OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318"', 'using http://localhost:4318');
});

test('OTEL_EXPORTER_OTLP_ENDPOINT `user:token@host:port` (no scheme): the warning quotes it without the credentials', () => {
  for (const protocol of ['http/protobuf', 'grpc']) {
    const { warnings } = read({ OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://user:hunter2@collector:4318' });
    assertOneWarning(warnings, 'OTEL_EXPORTER_OTLP_ENDPOINT="ftp://REDACTED:REDACTED@collector:4318"');
    assert.ok(!warnings[0].includes('hunter2'), warnings[0]);
  }
  for (const protocol of ['http/protobuf', 'grpc']) {
    const { warnings } = read({ OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'user:hunter2@collector:4318' });
    assertOneWarning(warnings, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="REDACTED:REDACTED@collector:4318" is not an http(s) URL');
  }
});

test('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT invalid falls back to the generic endpoint', () => {
  const { otlp, warnings } = read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' });
  assert.equal(otlp.endpoint, 'http://generic:4318/v1/traces');
  assertOneWarning(warnings, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="not a url"', 'using http://generic:4318/v1/traces');
});

test('OTEL_EXPORTER_OTLP_HEADERS are percent-decoded with lower-cased names', () => {
  const { otlp, warnings } = read({ OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20abc%3D%3D, x-tenant = acme ' });
  assert.deepEqual(warnings, []);
  assert.deepEqual(otlp.headers, { authorization: 'Bearer abc==', 'x-tenant': 'acme' });
});

test('OTEL_EXPORTER_OTLP_HEADERS value may contain "="', () => {
  assert.deepEqual(read({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a=b=c' }).otlp.headers, { 'api-key': 'a=b=c' });
});

test('OTEL_EXPORTER_OTLP_TRACES_HEADERS are merged over OTEL_EXPORTER_OTLP_HEADERS', () => {
  const { otlp } = read({ OTEL_EXPORTER_OTLP_HEADERS: 'a=1,B=2', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=3,c=4' });
  assert.deepEqual(otlp.headers, { a: '1', b: '3', c: '4' });
});

test('OTEL_EXPORTER_OTLP_HEADERS bad members are skipped with one warning that never shows a value', () => {
  const { otlp, warnings } = read({
    OTEL_EXPORTER_OTLP_HEADERS: 'good=secret1,Bearer secret2,=secret3,bad name=secret4,x=%zzsecret5,y=line%0Asecret6',
  });
  assert.deepEqual(otlp.headers, { good: 'secret1' });
  assertOneWarning(warnings, 'OTEL_EXPORTER_OTLP_HEADERS', '#2', '#3', '#4', '#5', '#6', 'using only good');
  assert.ok(!/secret/.test(warnings[0]), warnings[0]);
});

test('OTEL_EXPORTER_OTLP_HEADERS `name: value` (a colon for the =): the base64 padding is no key to name', () => {
  const { otlp, warnings } = read({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization: Bearer c2VjcmV0Nw==,x-tenant=acme,x-bad=%zz' });
  assert.deepEqual(otlp.headers, { 'x-tenant': 'acme' });
  assertOneWarning(warnings, '#1 is not a valid header name', '#3 ("x-bad") has a bad percent-escape');
  assert.ok(!/c2VjcmV0Nw|bearer/i.test(warnings[0]), warnings[0]);
});

test('OTEL_EXPORTER_OTLP_PROTOCOL accepts http/protobuf and http/json', () => {
  assert.equal(read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'HTTP/JSON' }).otlp.protocol, 'http/json');
  assert.equal(read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }).otlp.protocol, 'http/protobuf');
});

test('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL wins over OTEL_EXPORTER_OTLP_PROTOCOL', () => {
  assert.equal(read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }).otlp.protocol, 'http/json');
});

test('OTEL_EXPORTER_OTLP_PROTOCOL=grpc: the default endpoint is http://localhost:4317, no path', () => {
  const { otlp, warnings } = read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
  assert.equal(otlp.protocol, 'grpc');
  assert.equal(otlp.protocolInferred, false);
  assert.equal(otlp.endpoint, 'http://localhost:4317');
  assert.deepEqual(warnings, []);
});

test('grpc: the generic endpoint is used as given (its origin: the method path is the service\'s)', () => {
  const { otlp } = read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'GRPC', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example:4317/' });
  assert.equal(otlp.protocol, 'grpc');
  assert.equal(otlp.endpoint, 'https://collector.example:4317');
});

test('grpc: the traces endpoint wins; OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc alone chooses gRPC for spans', () => {
  const { otlp } = read({
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4317',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:14317',
  });
  assert.equal(otlp.protocol, 'grpc');
  assert.equal(otlp.endpoint, 'http://traces:14317');
});

test('grpc: host:port without a scheme means TLS unless OTEL_EXPORTER_OTLP_INSECURE=true (spec)', () => {
  assert.equal(read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' }).otlp.endpoint, 'https://collector:4317');
  assert.equal(
    read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317', OTEL_EXPORTER_OTLP_INSECURE: 'true' }).otlp.endpoint,
    'http://collector:4317',
  );
  assert.equal(
    read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '[::1]:4317', OTEL_EXPORTER_OTLP_TRACES_INSECURE: 'true', OTEL_EXPORTER_OTLP_INSECURE: 'false' }).otlp.endpoint,
    'http://[::1]:4317',
  );
});

test('grpc: INSECURE does not apply to an endpoint with a scheme (spec)', () => {
  assert.equal(read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4317', OTEL_EXPORTER_OTLP_INSECURE: 'true' }).otlp.endpoint, 'https://c:4317');
  assert.equal(read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_INSECURE: 'false' }).otlp.endpoint, 'http://c:4317');
});

test('grpc: an endpoint that is neither a URL nor host:port warns once and uses the default', () => {
  const { otlp, warnings } = read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://c:4317' });
  assert.equal(otlp.endpoint, 'http://localhost:4317');
  assertOneWarning(warnings, 'OTELI_W_INVALID_ENV', 'OTEL_EXPORTER_OTLP_ENDPOINT="ftp://c:4317"', 'using http://localhost:4317');
});

test('no protocol set and the endpoint on port 4317: gRPC, marked as inferred', () => {
  for (const env of [
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4317' },
    { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://otel-collector:4317/v1/traces' },
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4317', OTEL_EXPORTER_OTLP_INSECURE: 'true' },
  ]) {
    const { otlp, warnings } = read(env);
    assert.equal(otlp.protocol, 'grpc', JSON.stringify(env));
    assert.equal(otlp.protocolInferred, true);
    assert.equal(otlp.endpoint, 'http://otel-collector:4317');
    assert.deepEqual(warnings, []);
  }
});

test('a protocol set anywhere is kept, even for port 4317', () => {
  for (const env of [
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' },
  ]) {
    const { otlp } = read(env);
    assert.equal(otlp.protocol, 'http/protobuf');
    assert.equal(otlp.protocolInferred, false);
    assert.equal(otlp.endpoint, 'http://c:4317/v1/traces');
  }
  // Another port, no protocol: the JS spec's default.
  assert.equal(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).otlp.protocol, 'http/protobuf');
  assert.equal(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:14317' }).otlp.protocol, 'http/protobuf');
});

test('OTEL_EXPORTER_OTLP_PROTOCOL unknown falls back to http/protobuf', () => {
  const { otlp, warnings } = read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' });
  assert.equal(otlp.protocol, 'http/protobuf');
  assertOneWarning(warnings, 'OTELI_W_INVALID_ENV', 'OTEL_EXPORTER_OTLP_PROTOCOL="thrift"', 'using http/protobuf');
});

test('OTEL_EXPORTER_OTLP_TIMEOUT and OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', () => {
  assert.equal(read({ OTEL_EXPORTER_OTLP_TIMEOUT: '2000' }).otlp.timeoutMs, 2000);
  assert.equal(read({ OTEL_EXPORTER_OTLP_TIMEOUT: '2000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '3000' }).otlp.timeoutMs, 3000);
});

test('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT invalid falls back to the generic timeout', () => {
  const { otlp, warnings } = read({ OTEL_EXPORTER_OTLP_TIMEOUT: '2000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '0' });
  assert.equal(otlp.timeoutMs, 2000);
  assertOneWarning(warnings, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT="0"', 'using 2000');
});

test('OTEL_EXPORTER_OTLP_COMPRESSION and OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', () => {
  assert.equal(read({ OTEL_EXPORTER_OTLP_COMPRESSION: 'GZIP' }).otlp.compression, 'gzip');
  assert.equal(read({ OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip', OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'none' }).otlp.compression, 'none');
  const { otlp, warnings } = read({ OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli' });
  assert.equal(otlp.compression, 'none');
  assertOneWarning(warnings, 'OTEL_EXPORTER_OTLP_COMPRESSION="brotli"', 'using none');
});

test('OTEL_EXPORTER_OTLP_CERTIFICATE, _CLIENT_KEY, _CLIENT_CERTIFICATE and their TRACES_ variants', () => {
  const generic = read({
    OTEL_EXPORTER_OTLP_CERTIFICATE: '/etc/ca.pem',
    OTEL_EXPORTER_OTLP_CLIENT_KEY: '/etc/key.pem',
    OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/etc/cert.pem',
  }).otlp;
  assert.equal(generic.certificateFile, '/etc/ca.pem');
  assert.equal(generic.clientKeyFile, '/etc/key.pem');
  assert.equal(generic.clientCertificateFile, '/etc/cert.pem');
  const specific = read({
    OTEL_EXPORTER_OTLP_CERTIFICATE: '/etc/ca.pem',
    OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: '/t/ca.pem',
    OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: '/t/key.pem',
    OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: '/t/cert.pem',
  }).otlp;
  assert.equal(specific.certificateFile, '/t/ca.pem');
  assert.equal(specific.clientKeyFile, '/t/key.pem');
  assert.equal(specific.clientCertificateFile, '/t/cert.pem');
});
