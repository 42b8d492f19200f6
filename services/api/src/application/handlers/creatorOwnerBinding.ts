/**
 * The creator of a project or organization becomes its administrator: the create and the owner
 * binding are two appends of one command. The binding is a follow-up write of the same request
 * (correlated with it, caused by the create's event, idempotent under a key derived from it), so a
 * retry of the request finds what its first attempt wrote and writes only what is missing.
 */
import { isKeystreamError, resourceByKind } from '@keystream/api';
import { actorOf, BUILTIN_ROLES } from '@keystream/authz';
import type { JsonObject } from '@keystream/domain';
import { followUpEnvelope } from '../commandEnvelope.js';
import type { HandlerContext } from '../handlerContext.js';
import type { HandlerResult } from '../methodHandler.js';

/** The name of the binding that makes a scope's creator its administrator. */
export function creatorOwnerBindingName(scope: string): string {
  return `${scope}/roleBindings/creator-owner`;
}

/** Creates a project or organization, then binds its creator as the administrator of it. */
export async function createWithCreatorOwner(kind: 'Project' | 'Organization', request: object, context: HandlerContext): Promise<HandlerResult<JsonObject>> {
  const { app, envelope, principal } = context;
  const fields = request as Readonly<Record<string, unknown>>;
  const body = fields[resourceByKind(kind).singular];
  const parent = typeof fields['parent'] === 'string' ? fields['parent'] : undefined;
  const created = await app.commands.create({ kind, parent, resource: { ...(body as JsonObject | undefined) } }, envelope);
  const answer = { response: created.resource ?? {}, position: created.position, updatedPaths: created.updatedPaths };
  const name = created.resource?.['name'];
  // An anonymous caller holds nothing to administer with (a public grant may still let it create).
  if (principal.kind === 'anonymous' || typeof name !== 'string') return answer;
  try {
    const owner = await app.commands.execute(
      { type: 'create', kind: 'RoleBinding', resource: { name: creatorOwnerBindingName(name), role: BUILTIN_ROLES.admin, member: actorOf(principal) } },
      followUpEnvelope(envelope, created.eventId ?? envelope.causationId, ':owner'),
    );
    return { ...answer, position: owner.position === '' ? created.position : owner.position };
  } catch (error) {
    // Made already (a retry without the request id, or by hand): the creator is administrator.
    if (isKeystreamError(error) && error.code === 'ALREADY_EXISTS') return answer;
    throw error;
  }
}
