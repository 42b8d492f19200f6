/**
 * Keeps MemberAssignments in step with RoleBindings (the reference's MemberAssignment section):
 * one per scope and member while at least one RoleBinding of that member lives in that project or
 * organization, deleted with the last one; a binding whose `metadata.services.allowed_services`
 * names third-party services also gives the member a service assignment (`services/<s>`) for each.
 * System and service bindings get none. When a project or organization changes, its assignments
 * are rewritten so the copied scope fields (title, parent, partial metadata, …) stay current.
 *
 * Every command's request id is derived from the event handled, so handling an event again (the
 * batch after the last checkpoint, after a crash) appends nothing new. What it remembers — which
 * assignments each binding holds — is the table `member-assignments.bindings` of the runner's
 * state store, committed with the checkpoint; the other indexes are derived from it.
 */
import { isKeystreamError } from '@keystream/api';
import { isAssignableScope, memberAssignmentNameOf, parseMemberAssignmentName, parseStream, type JsonObject } from '@keystream/domain';
import type { RecordedEvent } from '@keystream/eventstore';
import { ConsumerStateStore, memoryStateBackend, type StateTable } from '@keystream/consumer';
import { reactionEnvelope, type CommandService } from '@keystream/service-api';
import type { ProcessManager } from '../processManagers/processManager.js';

/** Core EdgeLQ services get no service assignments (the reference: third-party services only). */
function isThirdPartyService(service: string): boolean {
  return !/^services\/[^/]*\.edgelq\.com$/.test(service);
}

function scopeOfBinding(name: string): string {
  const parts = name.split('/');
  return parts.length >= 4 ? parts.slice(0, 2).join('/') : '';
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The assignments (scope, member) one binding contributes to. */
export function assignmentsOfBinding(binding: JsonObject): { scope: string; member: string }[] {
  const name = binding['name'];
  const member = binding['member'];
  if (typeof name !== 'string' || typeof member !== 'string') return [];
  const scope = scopeOfBinding(name);
  if (!scope.startsWith('projects/') && !scope.startsWith('organizations/')) return [];
  const metadata = isObject(binding['metadata']) ? binding['metadata'] : {};
  const services = isObject(metadata['services']) && Array.isArray(metadata['services']['allowedServices']) ? metadata['services']['allowedServices'] : [];
  const serviceScopes = services.filter((service): service is string => typeof service === 'string' && isAssignableScope(service) && isThirdPartyService(service));
  return [{ scope, member }, ...serviceScopes.map((service) => ({ scope: service, member }))];
}

/** What the manager writes, for tests and read-your-writes. */
export interface MembershipWrites {
  noteWrite(position: string): void;
}

export class MembershipManager implements ProcessManager {
  readonly name = 'member-assignments';
  readonly eventTypePrefixes = ['RoleBinding', 'Project', 'Organization'];
  /** Binding name → the assignment names it holds (stored). */
  private readonly bindings: StateTable<string[]>;
  /** Assignment name → the bindings holding it (derived from {@link bindings}). */
  private readonly holders = new Map<string, Set<string>>();
  /** Scope → its assignment names (derived). */
  private readonly byScope = new Map<string, Set<string>>();

  constructor(
    private readonly commands: CommandService,
    private readonly writes: MembershipWrites,
    private readonly clock: () => Date = () => new Date(),
    state: ConsumerStateStore = new ConsumerStateStore(memoryStateBackend()),
  ) {
    this.bindings = state.table<string[]>('member-assignments.bindings');
    this.start();
  }

  /** Derives the indexes from the stored table. */
  start(): void {
    this.holders.clear();
    this.byScope.clear();
    for (const [binding, names] of this.bindings) this.hold(binding, names);
  }

  /** How many assignments the index holds (for metrics and tests). */
  get assignmentCount(): number {
    return this.holders.size;
  }

  async handle(event: RecordedEvent): Promise<void> {
    const stream = parseStream(event.stream);
    if (stream === undefined) return;
    if (stream.kind === 'RoleBinding') return this.onBinding(event, stream.name);
    if ((stream.kind === 'Project' || stream.kind === 'Organization') && event.type === `${stream.kind}Updated`) return this.onScopeChanged(event, stream.name);
  }

  private async onBinding(event: RecordedEvent, bindingName: string): Promise<void> {
    const resource = isObject(event.data['resource']) ? event.data['resource'] : undefined;
    const deleted = event.type === 'RoleBindingDeleted' || resource === undefined;
    const wanted = deleted ? [] : assignmentsOfBinding(resource).map(({ scope, member }) => memberAssignmentNameOf(scope, member));
    const before = this.bindings.get(bindingName) ?? [];
    const added = wanted.filter((name) => !before.includes(name));
    const removed = before.filter((name) => !wanted.includes(name));
    const othersHolding = (name: string): number => [...(this.holders.get(name) ?? [])].filter((holder) => holder !== bindingName).length;
    // Commands first, state after: a failed command leaves the state as it was, so the runtime's
    // retry of this event plans (and issues, idempotently) the same commands again.
    for (const name of added) if (othersHolding(name) === 0) await this.upsert(name, event);
    for (const name of removed) if (othersHolding(name) === 0) await this.remove(name, event);
    if (wanted.length === 0) this.bindings.delete(bindingName);
    else this.bindings.set(bindingName, wanted);
    this.hold(bindingName, added);
    for (const name of removed) {
      const holders = this.holders.get(name);
      holders?.delete(bindingName);
      if (holders !== undefined && holders.size > 0) continue;
      this.holders.delete(name);
      this.indexScope(name, false);
    }
  }

  private hold(bindingName: string, names: readonly string[]): void {
    for (const name of names) {
      const holders = this.holders.get(name) ?? new Set<string>();
      holders.add(bindingName);
      this.holders.set(name, holders);
      this.indexScope(name, true);
    }
  }

  private async onScopeChanged(event: RecordedEvent, scope: string): Promise<void> {
    for (const name of this.byScope.get(scope) ?? []) await this.upsert(name, event);
  }

  private indexScope(name: string, add: boolean): void {
    const scope = scopeOfAssignment(name);
    if (scope === undefined) return;
    const names = this.byScope.get(scope) ?? new Set<string>();
    if (add) names.add(name);
    else names.delete(name);
    if (names.size === 0) this.byScope.delete(scope);
    else this.byScope.set(scope, names);
  }

  /** Creates the assignment, or refreshes its copy of the scope; nothing when it is current. */
  private async upsert(name: string, cause: RecordedEvent): Promise<void> {
    try {
      const result = await this.commands.execute(
        { type: 'update', kind: 'MemberAssignment', resource: { name }, allowMissing: true },
        reactionEnvelope(cause, `:ma:${name}`, this.clock()),
      );
      this.writes.noteWrite(result.position);
    } catch (error) {
      // The scope is gone (deleted after this binding was written): its bindings go with it.
      if (isKeystreamError(error) && error.code === 'INVALID_ARGUMENT' && error.message.includes('does not exist')) return;
      throw error;
    }
  }

  private async remove(name: string, cause: RecordedEvent): Promise<void> {
    try {
      const result = await this.commands.execute(
        { type: 'delete', kind: 'MemberAssignment', name },
        reactionEnvelope(cause, `:ma:${name}`, this.clock()),
      );
      this.writes.noteWrite(result.position);
    } catch (error) {
      if (isKeystreamError(error) && error.code === 'NOT_FOUND') return;
      throw error;
    }
  }
}

/** The scope an assignment name stands for. */
function scopeOfAssignment(name: string): string | undefined {
  return parseMemberAssignmentName(name)?.scope;
}
