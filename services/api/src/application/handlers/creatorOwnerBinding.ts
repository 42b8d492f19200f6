/**
 * The creator of a project or organization becomes its administrator: the create and the owner
 * binding are one multi-stream append of one command (the command core's createWithFollowUps). On
 * the embedded store that is one transaction; on EventStoreDB the binding is appended right after
 * the scope with ids derived from the request, so a retry of the request writes only what is
 * missing (docs/decisions.md). The binding is the system's write, correlated with the request and
 * caused by the create's event.
 */
import { resourceByKind } from '@keystream/api';
import { actorOf, BUILTIN_ROLES } from '@keystream/authz';
import type { JsonObject } from '@keystream/domain';
import { followUpEnvelope } from '../commandEnvelope.js';
import type { HandlerContext } from '../handlerContext.js';
import type { HandlerResult } from '../methodHandler.js';

/** The name of the binding that makes a scope's creator its administrator. */
export function creatorOwnerBindingName(scope: string): string {
  return `${scope}/roleBindings/creator-owner`;
}

/** Creates a project or organization and binds its creator as the administrator of it, in one append. */
export async function createWithCreatorOwner(kind: 'Project' | 'Organization', request: object, context: HandlerContext): Promise<HandlerResult<JsonObject>> {
  const { app, envelope, principal } = context;
  const fields = request as Readonly<Record<string, unknown>>;
  const body = fields[resourceByKind(kind).singular];
  const parent = typeof fields['parent'] === 'string' ? fields['parent'] : undefined;
  const created = await app.commands.createWithFollowUps({ kind, parent, resource: { ...(body as JsonObject | undefined) } }, envelope, (scope, eventId) =>
    // An anonymous caller holds nothing to administer with (a public grant may still let it create).
    principal.kind === 'anonymous' || typeof scope['name'] !== 'string'
      ? []
      : [
          {
            command: { type: 'create', kind: 'RoleBinding', resource: { name: creatorOwnerBindingName(scope['name']), role: BUILTIN_ROLES.admin, member: actorOf(principal) } },
            envelope: followUpEnvelope(envelope, eventId, ':owner'),
          },
        ],
  );
  return { response: created.resource ?? {}, position: created.position, updatedPaths: created.updatedPaths };
}
