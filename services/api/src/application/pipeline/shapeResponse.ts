/**
 * The last step of the pipeline: a handler's result as the caller receives it. Requests that carry
 * a `response_mask` (every Create and Update) get it applied to the resource they answer; a write's
 * position becomes the `x-keystream-min-position` header.
 */
import { messageDescriptor, type MethodDescriptor } from '@keystream/api';
import { isObject, minPositionHeaders } from '@keystream/kernel';
import { applyResponseMask, type ResponseMask } from '@keystream/resource';
import type { ApiResult } from '../../edgeContract.js';
import type { HandlerResult } from '../methodHandler.js';

/** The wire-ready result of a handler's answer to `request`. */
export function shapeResponse(method: MethodDescriptor, request: Readonly<Record<string, unknown>>, result: HandlerResult<unknown>): ApiResult {
  const headers = { ...result.headers, ...minPositionHeaders(result.position ?? '') };
  const masked = messageDescriptor(method.requestType).field('responseMask') !== undefined && isObject(result.response);
  const response = masked
    ? applyResponseMask(messageDescriptor(method.responseType), result.response, request['responseMask'] as ResponseMask | undefined, result.updatedPaths)
    : result.response;
  return { response, headers };
}
