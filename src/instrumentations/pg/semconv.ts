/**
 * Attribute names of the stable database conventions (semconv ≥ 1.26 db spans) for pg.
 */
export const ATTR_DB_SYSTEM_NAME = 'db.system.name';
export const DB_SYSTEM_POSTGRESQL = 'postgresql';
export const ATTR_DB_NAMESPACE = 'db.namespace';
export const ATTR_DB_COLLECTION_NAME = 'db.collection.name';
export const ATTR_DB_OPERATION_NAME = 'db.operation.name';
export const ATTR_DB_OPERATION_BATCH_SIZE = 'db.operation.batch.size';
export const ATTR_DB_QUERY_TEXT = 'db.query.text';
export const ATTR_DB_QUERY_SUMMARY = 'db.query.summary';
/** A prefix: the parameter's index follows (`db.query.parameter.0`). */
export const ATTR_DB_QUERY_PARAMETER_PREFIX = 'db.query.parameter.';
export const ATTR_DB_RESPONSE_STATUS_CODE = 'db.response.status_code';
export { ATTR_ERROR_TYPE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '../../kit/semconv';
