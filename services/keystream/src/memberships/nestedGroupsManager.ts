/**
 * Nested groups as the reference describes them: when a group B is a member of a group A, every
 * member of B is copied into A as a GroupMember whose `min_ancestry_members` lists the groups it
 * came through, the group that made the copy last (`[group:C, group:B]` for a member of C in B in
 * A). A member reachable along several paths is copied once and, as the reference says ("this
 * field contains list only of common ancestors"), its list holds the groups every path passes
 * through, then the owner: the direct member of A one of the paths comes through (of several, the
 * first by name, so the choice does not depend on the order the memberships were made in). When a
 * path goes, the copy stays while another path remains, and its list is recomputed from the paths
 * left. A copy that would lead back into the group it is copied into is not made, so cycles end.
 * Direct members (empty ancestry) are never touched; copies follow every change of the direct
 * memberships they derive from and disappear with them. Authorization expands groups from direct
 * members the same way, so copies change no decision.
 *
 * State (the direct memberships, the group emails, the copies made) lives in tables of the
 * runner's state store, committed with its checkpoint; copies are named after (group, member) and
 * written with request ids derived from the event handled, so handling an event again appends
 * nothing new.
 */
import { isKeystreamError } from '@keystream/api';
import { GROUP_MEMBER_ANCESTRY_ANNOTATION, groupEmailOf, parseStream, type JsonObject } from '@keystream/domain';
import type { RecordedEvent } from '@keystream/eventstore';
import { ConsumerStateStore, memoryStateBackend, type StateTable } from '@keystream/consumer';
import { reactionEnvelope, type CommandService } from '@keystream/service-api';
import { createHash } from 'node:crypto';
import type { ProcessManager } from '../processManagers/processManager.js';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function groupOfMember(name: string): string {
  return name.split('/').slice(0, -2).join('/');
}

/** The copy of `member` in `group`: one name per pair. */
export function copyNameOf(group: string, member: string): string {
  return `${group}/groupMembers/c${createHash('sha256').update(`${group}\n${member}`).digest('hex').slice(0, 29)}`;
}

/** A copy as made: its name and its ancestry (comma-separated). */
type MadeCopy = { readonly name: string; readonly ancestry: string };

function byText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * The `min_ancestry_members` of a member reached along `paths` (each the groups it came through,
 * the direct member of the target last): the groups on every path, then the owner. The owner is
 * the first by name of the direct members the paths end with; the common groups keep the order
 * of the owner's first path (shortest, then by text).
 */
export function minAncestryOf(paths: readonly (readonly string[])[]): string[] {
  const ordered = [...paths].sort((left, right) => byText(left.at(-1) ?? '', right.at(-1) ?? '') || left.length - right.length || byText(left.join(','), right.join(',')));
  const first = ordered[0];
  if (first === undefined) return [];
  const owner = first[first.length - 1] as string;
  const shared = first.slice(0, -1).filter((entry) => entry !== owner && paths.every((path) => path.includes(entry)));
  return [...shared, owner];
}

export class NestedGroupsManager implements ProcessManager {
  readonly name = 'nested-groups';
  readonly eventTypePrefixes = ['GroupMember', 'GroupDeleted'];
  /** Direct GroupMember name → member string (stored). */
  private readonly directRows: StateTable<string>;
  /** `<group>\n<member>` → the copy as made (stored). */
  private readonly copyRows: StateTable<MadeCopy>;
  /** Group email → group name, for the groups that had direct members (stored). */
  private readonly groupsByEmail: StateTable<string>;
  /** Group name → direct member name → member string (derived from {@link directRows}). */
  private readonly direct = new Map<string, Map<string, string>>();
  /** Group name → member string → the copy as made (derived from {@link copyRows}). */
  private readonly copies = new Map<string, Map<string, MadeCopy>>();

  constructor(
    private readonly commands: CommandService,
    private readonly clock: () => Date = () => new Date(),
    state: ConsumerStateStore = new ConsumerStateStore(memoryStateBackend()),
  ) {
    this.directRows = state.table<string>('nested-groups.direct');
    this.copyRows = state.table<MadeCopy>('nested-groups.copies');
    this.groupsByEmail = state.table<string>('nested-groups.groups');
    this.start();
  }

  /** Derives the indexes from the stored tables. */
  start(): void {
    this.direct.clear();
    this.copies.clear();
    for (const [name, member] of this.directRows) this.indexDirect(name, member);
    for (const [key, copy] of this.copyRows) {
      const split = key.indexOf('\n');
      const group = key.slice(0, split);
      const made = this.copies.get(group) ?? new Map<string, MadeCopy>();
      made.set(key.slice(split + 1), copy);
      this.copies.set(group, made);
    }
  }

  /** How many copies exist (for tests and metrics). */
  get copyCount(): number {
    return this.copyRows.size;
  }

  async handle(event: RecordedEvent): Promise<void> {
    const stream = parseStream(event.stream);
    if (stream === undefined) return;
    if (stream.kind === 'Group' && event.type === 'GroupDeleted') {
      for (const name of this.direct.get(stream.name)?.keys() ?? []) this.directRows.delete(name);
      this.direct.delete(stream.name);
      await this.refreshAffected(stream.name, event);
      return;
    }
    if (stream.kind !== 'GroupMember') return;
    const resource = isObject(event.data['resource']) ? event.data['resource'] : undefined;
    const ancestry = resource?.['minAncestryMembers'];
    // Copies are this manager's own output; only direct members drive it.
    if (Array.isArray(ancestry) && ancestry.length > 0) return;
    const group = groupOfMember(stream.name);
    if (this.groupsByEmail.get(groupEmailOf(group)) !== group) this.groupsByEmail.set(groupEmailOf(group), group);
    if (event.type === 'GroupMemberDeleted' || resource === undefined || typeof resource['member'] !== 'string') {
      this.directRows.delete(stream.name);
      this.unindexDirect(stream.name);
    } else if (this.directRows.get(stream.name) !== resource['member']) {
      this.directRows.set(stream.name, resource['member']);
      this.indexDirect(stream.name, resource['member']);
    }
    await this.refreshAffected(group, event);
  }

  private indexDirect(name: string, member: string): void {
    const group = groupOfMember(name);
    const members = this.direct.get(group) ?? new Map<string, string>();
    members.set(name, member);
    this.direct.set(group, members);
  }

  private unindexDirect(name: string): void {
    const group = groupOfMember(name);
    const members = this.direct.get(group);
    members?.delete(name);
    if (members?.size === 0) this.direct.delete(group);
  }

  /** The copies a group should hold: member → ancestry paths (groups it came through, nearest last). */
  private wanted(group: string): Map<string, string[]> {
    const selfMember = `group:${groupEmailOf(group)}`;
    const directMembers = new Set(this.direct.get(group)?.values() ?? []);
    const paths = new Map<string, string[][]>();
    const visit = (current: string, trail: readonly string[], seen: ReadonlySet<string>): void => {
      for (const member of this.direct.get(current)?.values() ?? []) {
        if (current !== group) {
          // A member of a nested group: copy it, unless it leads back to the group itself.
          if (member !== selfMember && !directMembers.has(member)) paths.set(member, [...(paths.get(member) ?? []), [...trail]]);
        }
        if (!member.startsWith('group:')) continue;
        const nested = this.groupsByEmail.get(member.slice('group:'.length));
        if (nested === undefined || seen.has(nested) || nested === group) continue;
        visit(nested, [member, ...trail], new Set([...seen, nested]));
      }
    };
    visit(group, [], new Set([group]));
    const wanted = new Map<string, string[]>();
    for (const [member, memberPaths] of paths) wanted.set(member, minAncestryOf(memberPaths));
    return wanted;
  }

  /** The groups whose copies may change when `changed` changes: it and every group holding it, transitively. */
  private affected(changed: string): string[] {
    const result = new Set<string>([changed]);
    const queue = [changed];
    while (queue.length > 0) {
      const current = queue.pop() as string;
      const member = `group:${groupEmailOf(current)}`;
      for (const [group, members] of this.direct) {
        if (result.has(group)) continue;
        if ([...members.values()].includes(member)) {
          result.add(group);
          queue.push(group);
        }
      }
    }
    // In name order: the commands come in the same order whatever order the state was loaded in.
    return [...result].sort(byText);
  }

  private async refreshAffected(changed: string, cause: RecordedEvent): Promise<void> {
    for (const group of this.affected(changed)) {
      const wanted = this.direct.has(group) ? this.wanted(group) : new Map<string, string[]>();
      const made = this.copies.get(group) ?? new Map<string, MadeCopy>();
      const next = new Map(made);
      for (const [member, ancestry] of wanted) {
        const text = ancestry.join(',');
        if (made.get(member)?.ancestry === text) continue;
        const name = copyNameOf(group, member);
        await this.run(
          { type: 'update', kind: 'GroupMember', resource: { name, member, metadata: { annotations: { [GROUP_MEMBER_ANCESTRY_ANNOTATION]: text } } }, allowMissing: true },
          `:nested:${name}`,
          cause,
        );
        next.set(member, { name, ancestry: text });
        this.copyRows.set(`${group}\n${member}`, { name, ancestry: text });
      }
      for (const [member, copy] of made) {
        if (wanted.has(member)) continue;
        await this.run({ type: 'delete', kind: 'GroupMember', name: copy.name }, `:nested:${copy.name}`, cause);
        next.delete(member);
        this.copyRows.delete(`${group}\n${member}`);
      }
      if (next.size === 0) this.copies.delete(group);
      else this.copies.set(group, next);
    }
  }

  private async run(command: Parameters<CommandService['execute']>[0], step: string, cause: RecordedEvent): Promise<void> {
    try {
      await this.commands.execute(command, reactionEnvelope(cause, step, this.clock()));
    } catch (error) {
      // The group is gone (deleted since): nothing to copy into or out of.
      if (isKeystreamError(error) && (error.code === 'NOT_FOUND' || error.code === 'INVALID_ARGUMENT')) return;
      throw error;
    }
  }
}
