import { expect } from 'chai';
import type { JsonObject, ResourceCommand } from '@keystream/domain';
import type { RecordedEvent } from '@keystream/eventstore';
import type { CommandEnvelope as CommandOrigin, CommandService } from '@keystream/service-api';
import { MembershipManager } from './membershipManager.js';

/** Records the commands the manager issues (the command core itself is covered by its own specs). */
function recordingCommands(): { commands: CommandService; issued: { command: ResourceCommand; origin: CommandOrigin }[] } {
  const issued: { command: ResourceCommand; origin: CommandOrigin }[] = [];
  const commands = {
    execute(command: ResourceCommand, origin: CommandOrigin) {
      issued.push({ command, origin });
      return Promise.resolve({ resource: undefined, updatedPaths: [], position: '', replayed: false });
    },
  } as unknown as CommandService;
  return { commands, issued };
}

let sequence = 0;
function event(type: string, stream: string, data: JsonObject): RecordedEvent {
  sequence += 1;
  return { id: `e${sequence}`, type, stream, data, revision: 0, position: String(sequence).padStart(8, '0'), metadata: { actor: 'system', requestId: 'r', correlationId: 'c', causationId: 'c', occurredAt: '', schema: 1 } };
}

const binding = (name: string, member: string, extra: JsonObject = {}): RecordedEvent => event('RoleBindingCreated', `RoleBinding-${name}`, { resource: { name, role: 'r', member, ...extra } });
const removal = (name: string): RecordedEvent => event('RoleBindingDeleted', `RoleBinding-${name}`, { name, resource: { name } });

describe('MembershipManager', () => {
  describe('having two bindings of one member in one project', () => {
    it('should create one assignment with the first and delete it with the last', async () => {
      const { commands, issued } = recordingCommands();
      const manager = new MembershipManager(commands, { noteWrite: () => undefined });
      await manager.handle(binding('projects/p1/roleBindings/a', 'user:bob@example.com'));
      await manager.handle(binding('projects/p1/roleBindings/b', 'user:bob@example.com'));
      await manager.handle(removal('projects/p1/roleBindings/a'));
      expect(issued.map(({ command }) => command.type)).to.deep.equal(['update']);
      await manager.handle(removal('projects/p1/roleBindings/b'));
      expect(issued.map(({ command }) => [command.type, command.type === 'delete' ? command.name : command.resource['name']])).to.deep.equal([
        ['update', 'regions/global/memberAssignments/p.p1.user:bob@example.com'],
        ['delete', 'regions/global/memberAssignments/p.p1.user:bob@example.com'],
      ]);
      expect(manager.assignmentCount).to.equal(0);
    });
  });

  it('should give system and service bindings no assignment, and third-party allowed services a service assignment', async () => {
    const { commands, issued } = recordingCommands();
    const manager = new MembershipManager(commands, { noteWrite: () => undefined });
    await manager.handle(binding('roleBindings/admin', 'user:root@example.com'));
    await manager.handle(binding('services/s.example.com/roleBindings/x', 'user:root@example.com'));
    await manager.handle(binding('organizations/o1/roleBindings/x', 'serviceAccount:agent_1@p1.serviceaccounts.iam.edgelq.com', { metadata: { services: { allowedServices: ['services/devices.edgelq.com', 'services/acme.example.com'] } } }));
    expect(issued.map(({ command }) => (command.type === 'delete' ? command.name : command.resource['name']))).to.deep.equal([
      'regions/global/memberAssignments/o.o1.serviceAccount:agent_1@p1.serviceaccounts.iam.edgelq.com',
      // A service id's dots are encoded: the first dot after the scope id ends it.
      'regions/global/memberAssignments/s.acme%2Eexample%2Ecom.serviceAccount:agent_1@p1.serviceaccounts.iam.edgelq.com',
    ]);
  });

  it('should refresh every assignment of a scope when the scope changes, with request ids derived from the event', async () => {
    const { commands, issued } = recordingCommands();
    const manager = new MembershipManager(commands, { noteWrite: () => undefined });
    await manager.handle(binding('projects/p2/roleBindings/a', 'user:a@example.com'));
    await manager.handle(binding('projects/p2/roleBindings/b', 'group:g@groups.iam.edgelq.com'));
    const updated = event('ProjectUpdated', 'Project-projects/p2', { resource: { name: 'projects/p2', title: 'New' } });
    await manager.handle(updated);
    const refreshes = issued.slice(2);
    expect(refreshes).to.have.length(2);
    expect(refreshes.map(({ origin }) => origin.requestId)).to.deep.equal([
      `${updated.id}:ma:regions/global/memberAssignments/p.p2.user:a@example.com`,
      `${updated.id}:ma:regions/global/memberAssignments/p.p2.group:g@groups.iam.edgelq.com`,
    ]);
  });

  it('should plan the same commands again when a command failed (the runtime retries the event)', async () => {
    const issued: string[] = [];
    let fail = true;
    const commands = {
      execute(_command: ResourceCommand, origin: CommandOrigin) {
        issued.push(origin.requestId);
        if (fail) {
          fail = false;
          return Promise.reject(new Error('store unavailable'));
        }
        return Promise.resolve({ resource: undefined, updatedPaths: [], position: '', replayed: false });
      },
    } as unknown as CommandService;
    const manager = new MembershipManager(commands, { noteWrite: () => undefined });
    const created = binding('projects/p3/roleBindings/a', 'user:c@example.com');
    await manager.handle(created).catch(() => undefined);
    await manager.handle(created);
    expect(issued).to.have.length(2);
    expect(issued[0]).to.equal(issued[1]);
    expect(manager.assignmentCount).to.equal(1);
  });
});
