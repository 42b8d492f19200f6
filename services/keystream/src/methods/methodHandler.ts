/**
 * The invitation and membership handlers in one shape: a call with the principal, the command
 * envelope and the read position, answering a response and the position of its last write. They
 * are composed by the keystream process (they need its notifier and process managers) and join the
 * application's handler registry through {@link asRegistryHandler}.
 */
import type { MethodDescriptor } from '@keystream/api';
import type { Principal } from '@keystream/authz';
import type { AnyMethodHandler, CommandEnvelope, HandlerResult } from '@keystream/service-api';

/** A call as these handlers see it. */
export interface HandlerCall {
  readonly method: MethodDescriptor;
  /** The decoded request (internal form). */
  readonly request: Readonly<Record<string, unknown>>;
  readonly principal: Principal;
  /** Actor and ids of this request: every command the handler issues carries it (or one derived from it). */
  readonly envelope: CommandEnvelope;
  /** The position the caller has already seen (`x-keystream-min-position`, reads only). */
  readonly minPosition: string | undefined;
}

/** Serves one method. */
export type MethodHandler = (call: HandlerCall) => Promise<HandlerResult<unknown>>;

/** The registry's form of a handler. */
export function asRegistryHandler(handler: MethodHandler): AnyMethodHandler {
  return (request, context) => handler({ method: context.method, request, principal: context.principal, envelope: context.envelope, minPosition: context.minPosition });
}
