/**
 * partial_success of an OTLP Export*ServiceResponse: field 1 in every signal's response, holding
 * the count of rejected items (field 1: rejected_spans, rejected_data_points…) and an
 * error_message (field 2). Read from protobuf (HTTP and gRPC) or OTLP/JSON answers.
 */
import { ProtoReader, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './protobuf-reader';

export interface PartialSuccess {
  readonly rejectedItems: string;
  readonly errorMessage: string;
}

/** A body that is not an Export*ServiceResponse at all: something other than a collector answered. */
export const UNREADABLE = Symbol('unreadable');

/**
 * partial_success of an OTLP export response, undefined when absent or empty (the spec's "full
 * success"), or UNREADABLE when the body is not a response at all. Collectors and proxies answer
 * with anything, so every read is bounds-checked and never throws.
 */
export function parsePartialSuccess(body: Buffer, isJson: boolean): PartialSuccess | typeof UNREADABLE | undefined {
  try {
    return isJson ? partialFromJson(body) : partialFromProto(body);
  } catch {
    return UNREADABLE;
  }
}

function meaningful(rejectedItems: string, errorMessage: string): PartialSuccess | undefined {
  return rejectedItems === '0' && errorMessage === '' ? undefined : { rejectedItems, errorMessage };
}

function partialFromJson(body: Buffer): PartialSuccess | undefined {
  const parsed: unknown = JSON.parse(body.toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not a JSON object');
  const partial = (parsed as Record<string, unknown>).partialSuccess;
  if (typeof partial !== 'object' || partial === null) return undefined;
  // rejectedSpans, rejectedDataPoints or rejectedLogRecords, by signal.
  const fields = partial as Record<string, unknown>;
  const rejectedItems = fields[Object.keys(fields).find((key) => key.startsWith('rejected')) ?? ''];
  const { errorMessage } = fields;
  const rejected = typeof rejectedItems === 'number' || typeof rejectedItems === 'string' ? String(rejectedItems) : '0';
  return meaningful(rejected, typeof errorMessage === 'string' ? errorMessage : '');
}

function partialFromProto(body: Buffer): PartialSuccess | undefined {
  let partial: PartialSuccess | undefined;
  // ExportXServiceResponse.partial_success = 1 { rejected_<items> = 1 (int64), error_message = 2 }
  new ProtoReader(body).eachField((field, wireType, response) => {
    if (field !== 1 || wireType !== WIRE_LENGTH_DELIMITED) return true;
    let rejected = 0n;
    let message = '';
    response.nested().eachField((inner, innerWire, reader) => {
      if (inner === 1 && innerWire === WIRE_VARINT) rejected = BigInt.asIntN(64, reader.varint());
      else if (inner === 2 && innerWire === WIRE_LENGTH_DELIMITED) message = reader.string();
    });
    partial = meaningful(rejected.toString(), message);
    return false; // the first one is the answer
  });
  return partial;
}
