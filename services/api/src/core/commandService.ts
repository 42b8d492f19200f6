/**
 * The command core: load → decide → append, for the lifecycle of every resource.
 *
 * A command reads the resource's stream and the resources it refers to, asks the pure decider for
 * events, and appends them expecting the revision it read. A concurrent writer makes the append
 * fail; the command is then decided again on the fresh state (a CAS or an immutability check is
 * re-evaluated, never skipped). A request id makes retries safe: ids derived from it let a retry
 * find the events its first attempt appended and answer with that result.
 */
import { KeystreamError, resourceByKind, type ResourceKind } from '@keystream/api';
import {
  decideResource,
  expectedRevisionOf,
  referencesOf,
  resolveNewName,
  streamOf,
  type Decision,
  type JsonObject,
  type ResourceCommand,
} from '@keystream/domain';
import { comparePositions, isWrongExpectedVersionError, type EventStore, type NewEvent, type RecordedEvent } from '@keystream/eventstore';
import { generateId } from '@keystream/resource';
import { randomUUID } from 'node:crypto';
import { followUpEnvelope, type CommandEnvelope } from '../application/commandEnvelope.js';
import type { ChildCounter } from './childCounter.js';
import { eventIdsFor, idRandomSource } from './deterministicIds.js';
import type { ResourceRepository } from './resourceRepository.js';

/** What a command did. */
export interface CommandResult {
  /** The resource after the command; undefined after a delete. */
  readonly resource: JsonObject | undefined;
  readonly updatedPaths: readonly string[];
  /** Global position of the command's last event (or of the resource's last event for a no-op). */
  readonly position: string;
  /** True when this answers a retry of a request that had already been carried out. */
  readonly replayed: boolean;
  /** The id of the command's first event (what a follow-up write names as its cause), if it appended any. */
  readonly eventId?: string | undefined;
}

/** A create as the API receives it: the name may still have to be generated. */
export interface CreateRequest {
  readonly kind: ResourceKind;
  readonly parent?: string | undefined;
  readonly resource: JsonObject;
}

/** Concurrent writers to one resource are rare; this bounds the re-decisions one command makes. */
const MAX_ATTEMPTS = 8;

export class CommandService {
  constructor(
    private readonly eventStore: EventStore,
    private readonly repository: ResourceRepository,
    private readonly children: ChildCounter,
  ) {}

  /** Creates a resource, generating its id when the request names none. */
  async create(request: CreateRequest, envelope: CommandEnvelope): Promise<CommandResult> {
    const descriptor = resourceByKind(request.kind);
    const random = idRandomSource(envelope.idempotencyKey, request.kind, request.parent ?? '');
    const name = resolveNewName(request.kind, request.parent, request.resource, () => generateId(descriptor, random));
    return this.execute({ type: 'create', kind: request.kind, resource: { ...request.resource, name } }, envelope);
  }

  /** Decides and appends a lifecycle command, retrying on concurrent writes. */
  async execute(command: ResourceCommand, envelope: CommandEnvelope): Promise<CommandResult> {
    const name = command.type === 'delete' ? command.name : (command.resource['name'] as string);
    const stream = streamOf(command.kind, name);
    for (let attempt = 1; ; attempt += 1) {
      const { state, lastEvent } = await this.repository.load(command.kind, name);
      const replay = await this.previousAttempt(command.kind, name, stream, envelope.idempotencyKey, lastEvent);
      // A retried delete finishes the cascade the first attempt may not have completed.
      if (replay) return command.type === 'delete' ? this.removeWithScope(name, envelope, replay) : replay;

      const stored = state.status === 'live' ? state.resource : undefined;
      const incoming = command.type === 'delete' ? undefined : command.resource;
      const references = await this.repository.loadReferences(referencesOf(command.kind, incoming, stored));
      const childCount = command.type === 'delete' && state.status === 'live' ? await this.children.count(command.kind, name) : undefined;
      const decision: Decision = decideResource(command, state, {
        now: envelope.occurredAt,
        uuid: randomUUID(),
        actor: envelope.actor,
        references,
        ...(childCount === undefined ? {} : { childCount }),
      });
      if (decision.events.length === 0) {
        return { resource: decision.resource, updatedPaths: [], position: lastEvent?.position ?? '', replayed: false };
      }

      const ids = eventIdsFor(envelope.idempotencyKey, stream, decision.events.length);
      const events: NewEvent[] = decision.events.map((event, index) => ({
        id: ids[index] as string,
        type: event.type,
        data: event.data,
        metadata: {
          actor: envelope.actor,
          requestId: envelope.requestId,
          correlationId: envelope.correlationId,
          causationId: envelope.causationId,
          occurredAt: envelope.occurredAt,
          schema: 1,
        },
      }));
      try {
        const appended = await this.eventStore.append(stream, events, expectedRevisionOf(state));
        const result: CommandResult = { resource: decision.resource, updatedPaths: decision.updatedPaths, position: appended.position, replayed: false, eventId: ids[0] };
        return command.type === 'delete' ? await this.removeWithScope(command.name, envelope, result) : result;
      } catch (error) {
        if (!isWrongExpectedVersionError(error)) throw error;
        if (attempt >= MAX_ATTEMPTS) {
          throw new KeystreamError('ABORTED', `${command.kind} ${name} is being changed concurrently; retry the request`, [], { cause: error });
        }
      }
    }
  }

  /**
   * Deletes what goes with a deleted scope (its role bindings), as the system, each with a request
   * id derived from the delete's, so a retry of the delete neither repeats nor misses a step.
   */
  private async removeWithScope(name: string, envelope: CommandEnvelope, result: CommandResult): Promise<CommandResult> {
    let position = result.position;
    const causationId = result.eventId ?? envelope.causationId;
    for (const dependent of await this.children.removedWith(name)) {
      try {
        const removed = await this.execute({ type: 'delete', kind: dependent.kind, name: dependent.name }, followUpEnvelope(envelope, causationId, `/with-scope/${dependent.name}`));
        if (comparePositions(removed.position, position) > 0) position = removed.position;
      } catch (error) {
        // Already gone (deleted concurrently): nothing left to do for it.
        if (!(error instanceof KeystreamError && error.code === 'NOT_FOUND')) throw error;
      }
    }
    return { ...result, position };
  }

  /** When this request already ran, the result it had (rebuilt from the events it appended). */
  private async previousAttempt(
    kind: ResourceKind,
    name: string,
    stream: string,
    requestId: string | undefined,
    lastEvent: RecordedEvent | undefined,
  ): Promise<CommandResult | undefined> {
    if (requestId === undefined || lastEvent === undefined) return undefined;
    const [firstId] = eventIdsFor(requestId, stream, 1);
    const found = await this.repository.findEvents(kind, name, [firstId as string]);
    const event = found[0];
    if (event === undefined) return undefined;
    const resource = event.type.endsWith('Deleted') ? undefined : (event.data['resource'] as JsonObject | undefined);
    const updatedPaths = Array.isArray(event.data['updatedPaths']) ? (event.data['updatedPaths'] as string[]) : [];
    return { resource, updatedPaths, position: event.position, replayed: true, eventId: event.id };
  }
}
