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

/**
 * partial_success of an OTLP export response, or undefined when absent, empty (the spec's
 * "full success") or unreadable. Collectors and proxies answer with anything, so every read is
 * bounds-checked and a malformed body simply yields undefined.
 */
export function parsePartialSuccess(body: Buffer, isJson: boolean): PartialSuccess | undefined {
  try {
    return isJson ? partialFromJson(body) : partialFromProto(body);
  } catch {
    return undefined;
  }
}

function meaningful(rejectedItems: string, errorMessage: string): PartialSuccess | undefined {
  return rejectedItems === '0' && errorMessage === '' ? undefined : { rejectedItems, errorMessage };
}

function partialFromJson(body: Buffer): PartialSuccess | undefined {
  const parsed: unknown = JSON.parse(body.toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null) return undefined;
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
