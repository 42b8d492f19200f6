/**
 * @keystream/api — the iam.edgelq.com v1 contract as data.
 */
export { METHOD_NAMES, RESOURCE_KINDS, SPEC_MODEL } from './generated/specModel.js';
export type { MethodMessages, MethodName, ResourceKind } from './generated/specModel.js';
export type { RequestOf, ResponseOf } from './methods/methodMessages.js';
export * as schemas from './generated/schemas.js';
export { MESSAGE_SCHEMAS, ENUM_SCHEMAS } from './generated/schemas.js';
export type { SpecEnum, SpecField, SpecMessage, SpecMethod, SpecModel, SpecResource, SpecRoute } from './codegen/specParser.js';
export { HTTP_STATUS_BY_CODE, KeystreamError, STATUS_CODES, isKeystreamError, statusCodeName } from './errors/keystreamError.js';
export { INSUFFICIENT_STORAGE, isStorageExhausted, markStorageExhausted, noSpaceCauseOf, storageExhausted } from './errors/storageExhausted.js';
export { STORAGE_FREE_MARGIN_BYTES, StorageFullLatch } from './errors/storageFullLatch.js';
export type { ErrorBody, ErrorDetail, FieldViolation, KeystreamErrorOptions, RpcStatus, StatusCode } from './errors/keystreamError.js';
export { ALL_METHODS, EXTENSION_METHOD_DESCRIPTORS, METHODS, methodByName } from './methods/methodTable.js';
export { EXTENSION_SECTION } from './codegen/extensionModel.js';
export type { BodyRule, MethodDescriptor, MethodKind, RouteDescriptor, StandardVerb } from './methods/methodTable.js';
export { allEnumDescriptors, allMessageDescriptors, enumDescriptor, messageDescriptor } from './registry/messageRegistry.js';
export type { EnumDescriptor, FieldDescriptor, FieldValueType, MessageDescriptor, OneofDescriptor, ScalarKind } from './registry/messageRegistry.js';
export type { ValidationRule } from './codegen/upstreamTables.js';
export type { StreamingKind, WireModel, WireFieldFacts, WireMessageFacts, WireRule } from './codegen/wireModel.js';
export { WIRE_MODEL } from './generated/wireModel.js';
export { buildOpenApiDocument } from './openapi/openApiDocument.js';
export type { OpenApiObject } from './openapi/openApiDocument.js';
export { isResourceKind, RESOURCES, resourceByKind } from './resources/resourceRegistry.js';
export type { DefinedView, IdGeneration, NamePattern, NamePatternSegment, ResourceDescriptor } from './resources/resourceDescriptor.js';
export { matchPathTemplate, parsePathTemplate, splitRequestPath } from './routes/pathTemplate.js';
export type { PathTemplate, TemplateSegment, TemplateVariable } from './routes/pathTemplate.js';
export { encodedOnce, isShared, markShared } from './wire/sharedEncoding.js';
export { decodeMessage, encodeMessage, normalizeFieldValue, toInternalPath, toProtoPath } from './wire/wireCodec.js';
export type { DecodeOptions, MessageName, MessageOf, UnknownFieldPolicy } from './wire/wireCodec.js';
/** JSON values: the kernel's, re-exported because the contract's messages are made of them. */
export type { JsonValue } from '@keystream/kernel';
export {
  checkStructLimits,
  keyProblem,
  MAX_FILTER_STRING_LENGTH,
  MAX_KEY_LENGTH,
  MAX_LIST_ITEMS,
  MAX_LONG_STRING_LENGTH,
  MAX_MAP_ENTRIES,
  MAX_NESTING_DEPTH,
  MAX_STRING_LENGTH,
  maxStringLengthOf,
  tooDeepAt,
} from './wire/limits.js';
