/**
 * The resource every span carries: who emits (service, SDK) and where (process, host, OS).
 * Attribute names and enum values follow the resource semantic conventions.
 *
 * Precedence: detected values < OTEL_RESOURCE_ATTRIBUTES < OTEL_SERVICE_NAME (for service.name),
 * so a user can override anything we detect, e.g. host.name in a container.
 */
import { arch, hostname, platform } from 'node:os';
import { basename } from 'node:path';
import type { Attributes } from '@opentelemetry/api';
import type { Config } from '../config/types';
import { log } from '../log';
import { VERSION } from '../version';
import type { Resource } from './types';

const DEFAULT_SERVICE_NAME = 'unknown_service:node';

// Node's process.arch → semconv host.arch; values absent here are passed through unchanged.
const HOST_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  ia32: 'x86',
  arm: 'arm32',
  ppc: 'ppc32',
  ppc64: 'ppc64',
  s390x: 's390x',
};

// Node's process.platform → semconv os.type; values absent here are passed through unchanged.
const OS_TYPE: Readonly<Record<string, string>> = {
  linux: 'linux',
  darwin: 'darwin',
  win32: 'windows',
  freebsd: 'freebsd',
  openbsd: 'openbsd',
  netbsd: 'netbsd',
  sunos: 'solaris',
  aix: 'aix',
};

let detected: Attributes | undefined;

function safeHostname(): string | undefined {
  try {
    return hostname();
  } catch (err) {
    log.debug(`host.name not detected: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

let instanceId: string | undefined;

/**
 * service.instance.id: a random UUID, made the first time it is read (an export, usually) and the
 * same for the life of the process however many times a resource is built. Not at start: making
 * it loads node:crypto, 3.5 ms and 3.4 MB that a process which never exports need not pay.
 */
function serviceInstanceId(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (instanceId ??= (require('node:crypto') as typeof import('node:crypto')).randomUUID());
}

/** What we can learn about this process; computed once. */
function detectProcessAttributes(): Attributes {
  if (detected !== undefined) return detected;
  const nodeArch = arch();
  const nodePlatform = platform();
  const attributes: Attributes = {
    'telemetry.sdk.name': 'otel-instrument',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': VERSION,
    'process.pid': process.pid,
    'process.executable.name': basename(process.execPath),
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'process.runtime.description': 'Node.js',
    'host.arch': HOST_ARCH[nodeArch] ?? nodeArch,
    'os.type': OS_TYPE[nodePlatform] ?? nodePlatform,
  };
  const host = safeHostname();
  if (host !== undefined && host !== '') attributes['host.name'] = host;
  detected = attributes;
  return attributes;
}

export function createResource(config: Config): Resource {
  const attributes: Attributes = { ...detectProcessAttributes() };
  // An enumerable getter reads as a plain attribute to every consumer (for-in, spread, JSON).
  if (!Object.prototype.hasOwnProperty.call(config.resourceAttributes, 'service.instance.id')) {
    Object.defineProperty(attributes, 'service.instance.id', { enumerable: true, configurable: true, get: serviceInstanceId });
  }
  for (const key of Object.keys(config.resourceAttributes)) {
    attributes[key] = config.resourceAttributes[key];
  }
  const fromEnv = config.resourceAttributes['service.name'];
  attributes['service.name'] =
    config.serviceName !== undefined && config.serviceName !== ''
      ? config.serviceName
      : fromEnv !== undefined && fromEnv !== ''
        ? fromEnv
        : DEFAULT_SERVICE_NAME;
  return Object.freeze({ attributes: Object.freeze(attributes), droppedAttributesCount: 0 });
}
