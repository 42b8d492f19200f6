/**
 * A method handler: the use case of one method of the contract, taking the method's generated
 * request type and answering its generated response type.
 */
import type { MethodName, RequestOf, ResponseOf } from '@keystream/api';
import type { HandlerContext } from './handlerContext.js';

/** What a handler answers; the pipeline turns it into the response (mask, position header). */
export interface HandlerResult<Response> {
  readonly response: Response;
  /** Global position of a write: answered as `x-keystream-min-position` for read-your-writes. */
  readonly position?: string | undefined;
  /** The paths a write changed: what `response_mask.updated_fields_only` keeps. */
  readonly updatedPaths?: readonly string[] | undefined;
  /** Response headers beside the message (Verify's challenge ticket). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** The handler of method `M`. */
export type MethodHandler<M extends MethodName> = (request: RequestOf<M>, context: HandlerContext) => Promise<HandlerResult<ResponseOf<M>>>;

/** A handler as the registry stores it: any method's request in, any response out. */
export type AnyMethodHandler = (request: Readonly<Record<string, unknown>>, context: HandlerContext) => Promise<HandlerResult<unknown>>;

/** Handlers by method name, each typed by its own method. */
export type HandlerTable = { readonly [M in MethodName]?: MethodHandler<M> };
