import { expect } from 'chai';
import { groupEmailOf, type JsonObject, type ResourceCommand } from '@keystream/domain';
import type { RecordedEvent } from '@keystream/eventstore';
import type { CommandService } from '@keystream/service-api';
import { copyNameOf, minAncestryOf, NestedGroupsManager } from './nestedGroupsManager.js';

/** The copies the manager holds, as the commands it issued left them: group → member → ancestry. */
function recordingCommands(): { commands: CommandService; copies: Map<string, string>; issued: ResourceCommand[] } {
  const copies = new Map<string, string>();
  const issued: ResourceCommand[] = [];
  const commands = {
    execute(command: ResourceCommand) {
      issued.push(command);
      if (command.type === 'update') {
        const annotations = (command.resource['metadata'] as JsonObject)['annotations'] as JsonObject;
        copies.set(command.resource['name'] as string, Object.values(annotations)[0] as string);
      } else if (command.type === 'delete') copies.delete(command.name);
      return Promise.resolve({ resource: undefined, updatedPaths: [], position: '', replayed: false });
    },
  } as unknown as CommandService;
  return { commands, copies, issued };
}

let sequence = 0;
function membership(group: string, id: string, member: string, deleted = false): RecordedEvent {
  sequence += 1;
  const name = `${group}/groupMembers/${id}`;
  return {
    id: `e${sequence}`,
    type: deleted ? 'GroupMemberDeleted' : 'GroupMemberCreated',
    stream: `GroupMember-${name}`,
    data: deleted ? { name, resource: { name } } : { resource: { name, member } },
    revision: 0,
    position: String(sequence).padStart(8, '0'),
    metadata: { actor: 'system', requestId: 'r', correlationId: 'c', causationId: 'c', occurredAt: '', schema: 1 },
  };
}

const [A, B, C, D] = ['groups/a', 'groups/b', 'groups/c', 'groups/d'] as const;
const ref = (group: string): string => `group:${groupEmailOf(group)}`;
const M = 'user:m@example.com';

describe('minAncestryOf', () => {
  it('should keep the groups every path passes through, then the first owner by name, whatever the order of the paths', () => {
    expect(minAncestryOf([['group:d', 'group:c'], ['group:d', 'group:b']])).to.deep.equal(['group:d', 'group:b']);
    expect(minAncestryOf([['group:d', 'group:b'], ['group:d', 'group:c']])).to.deep.equal(['group:d', 'group:b']);
    expect(minAncestryOf([['group:c'], ['group:b']])).to.deep.equal(['group:b']);
    // An owner that is also on every path is listed once, as the owner.
    expect(minAncestryOf([['group:x', 'group:b'], ['group:b', 'group:c']])).to.deep.equal(['group:b']);
  });
});

describe('NestedGroupsManager', () => {
  describe('having a diamond (a ⊃ b, a ⊃ c, b ⊃ m, c ⊃ m)', () => {
    it('should copy m into a once, keep the copy when one path goes (the other path now owning it), and drop it with the last path', async () => {
      const { commands, copies, issued } = recordingCommands();
      const manager = new NestedGroupsManager(commands);
      const events = [membership(B, 'm', M), membership(C, 'm', M), membership(A, 'b', ref(B)), membership(A, 'c', ref(C))];
      for (const event of events) await manager.handle(event);
      const copyOfM = copyNameOf(A, M);
      expect(copies.get(copyOfM)).to.equal(ref(B));
      const before = issued.length;
      await manager.handle(membership(A, 'b', '', true));
      // The copy is rewritten, not deleted: the path through c still holds it.
      expect(issued.slice(before).map((command) => command.type)).to.deep.equal(['update']);
      expect(copies.get(copyOfM)).to.equal(ref(C));
      await manager.handle(membership(A, 'c', '', true));
      expect(copies.has(copyOfM)).to.equal(false);
      expect(manager.copyCount).to.equal(0);
    });
  });

  describe('having two paths through a shared group (a ⊃ b ⊃ d, a ⊃ c ⊃ d, d ⊃ m)', () => {
    it('should list the shared group before the owner, and move ownership when the owning path goes', async () => {
      const { commands, copies } = recordingCommands();
      const manager = new NestedGroupsManager(commands);
      for (const event of [membership(D, 'm', M), membership(B, 'd', ref(D)), membership(C, 'd', ref(D)), membership(A, 'b', ref(B)), membership(A, 'c', ref(C))]) await manager.handle(event);
      expect(copies.get(copyNameOf(A, M))).to.equal(`${ref(D)},${ref(B)}`);
      // d itself reaches a along both paths too.
      expect(copies.get(copyNameOf(A, ref(D)))).to.equal(ref(B));
      await manager.handle(membership(B, 'd', '', true));
      expect(copies.get(copyNameOf(A, M))).to.equal(`${ref(D)},${ref(C)}`);
      expect(copies.get(copyNameOf(A, ref(D)))).to.equal(ref(C));
      // b no longer holds m at all.
      expect(copies.has(copyNameOf(B, M))).to.equal(false);
    });

    it('should reach the same copies whatever order the memberships were made in', async () => {
      const orders = [
        [membership(D, 'm', M), membership(B, 'd', ref(D)), membership(C, 'd', ref(D)), membership(A, 'b', ref(B)), membership(A, 'c', ref(C))],
        [membership(A, 'c', ref(C)), membership(A, 'b', ref(B)), membership(C, 'd', ref(D)), membership(B, 'd', ref(D)), membership(D, 'm', M)],
      ];
      const results: Map<string, string>[] = [];
      for (const events of orders) {
        const { commands, copies } = recordingCommands();
        const manager = new NestedGroupsManager(commands);
        for (const event of events) await manager.handle(event);
        results.push(copies);
      }
      expect([...(results[1] ?? [])].sort()).to.deep.equal([...(results[0] ?? [])].sort());
    });
  });
});
