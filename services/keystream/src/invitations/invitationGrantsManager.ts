/**
 * Finishes what an accept started: for every `<Kind>InvitationAccepted` event it makes the grants
 * (RoleBindings, GroupMembers) with the same derived request ids as the accept itself, so after a
 * crash between accepting and granting the invitee still gets them, and otherwise nothing is
 * appended twice. A grant that can no longer be made (its scope or group was deleted since) is
 * reported and skipped.
 */
import { isKeystreamError } from '@keystream/api';
import { parseStream } from '@keystream/domain';
import type { RecordedEvent } from '@keystream/eventstore';
import type { CommandService } from '@keystream/service-api';
import type { ProcessManager } from '../processManagers/processManager.js';
import { grantInvitation } from './invitationGrants.js';
import type { ExpiryLogger } from './invitationExpiryManager.js';

export class InvitationGrantsManager implements ProcessManager {
  readonly name = 'invitation-grants';
  readonly eventTypePrefixes = ['ProjectInvitationAccepted', 'OrganizationInvitationAccepted'];

  constructor(
    private readonly commands: CommandService,
    private readonly logger: ExpiryLogger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async handle(event: RecordedEvent): Promise<void> {
    const stream = parseStream(event.stream);
    const resource = event.data['resource'];
    const acceptor = event.data['acceptedBy'];
    if (stream === undefined || typeof acceptor !== 'string' || typeof resource !== 'object' || resource === null || Array.isArray(resource)) return;
    try {
      await grantInvitation({ commands: this.commands, clock: this.clock }, resource, acceptor, event);
    } catch (error) {
      // Permanent refusals (scope or group gone, role changed) are not retried forever.
      if (isKeystreamError(error) && ['NOT_FOUND', 'INVALID_ARGUMENT', 'FAILED_PRECONDITION', 'PERMISSION_DENIED'].includes(error.code)) {
        this.logger.warn({ error, invitation: stream.name }, 'an accepted invitation could not be granted');
        return;
      }
      throw error;
    }
  }
}
