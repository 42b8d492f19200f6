/**
 * The request and response types of a method by its name, from the generated method table: what
 * a method's handler takes and returns.
 */
import type { MethodMessages, MethodName } from '../generated/specModel.js';
import type { MessageOf } from '../wire/wireCodec.js';

/** The decoded request of method `M` (`RequestOf<'CreateGroup'>` is `MessageOf<'CreateGroupRequest'>`). */
export type RequestOf<M extends MethodName> = MessageOf<MethodMessages[M]['request']>;

/** The response of method `M` in internal form. */
export type ResponseOf<M extends MethodName> = MessageOf<MethodMessages[M]['response']>;
