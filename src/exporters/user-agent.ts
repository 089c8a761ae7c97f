/** The user-agent of every export, naming us and our version (OTLP exporter spec). */
import { VERSION } from '../version';

export const USER_AGENT = `otel-instrument/${VERSION}`;
