/**
 * A handler of one custom method, called by the authorizing dispatcher after authentication,
 * authorization catch-up and the permission check, with the principal and the command origin
 * (actor, request id) already worked out.
 */
import { KeystreamError, type MethodDescriptor } from '@keystream/api';
import { actorOf, type Principal } from '@keystream/authz';
import type { ApiResult, CommandOrigin } from '@keystream/service-api';

/** A call as a custom method's handler sees it. */
export interface HandlerCall {
  readonly method: MethodDescriptor;
  /** The decoded request (internal form). */
  readonly request: Readonly<Record<string, unknown>>;
  readonly principal: Principal;
  readonly headers: Readonly<Record<string, string>>;
  readonly remoteAddress: string;
  /** Who acts and the request id that makes a retry append nothing new. */
  readonly origin: CommandOrigin;
}

/** Serves one method. */
export type MethodHandler = (call: HandlerCall) => Promise<ApiResult>;

const REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** The command origin of a call: the principal as actor, the validated `x-request-id`. */
export function originOfCall(principal: Principal, headers: Readonly<Record<string, string>>): CommandOrigin {
  const requestId = headers['x-request-id'];
  if (requestId !== undefined && !REQUEST_ID.test(requestId)) {
    throw KeystreamError.invalidArgument([{ field: 'x-request-id', description: 'expected 1–128 characters of A-Z a-z 0-9 . _ : @ -' }]);
  }
  return { actor: actorOf(principal), requestId };
}
