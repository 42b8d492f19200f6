/**
 * The command core: load → decide → append, for the lifecycle of every resource.
 *
 * A command reads the resource's stream and the resources it refers to, asks the pure decider for
 * events, and appends them expecting the revision it read. A concurrent writer makes the append
 * fail; the command is then decided again on the fresh state (a CAS or an immutability check is
 * re-evaluated, never skipped). A request id makes retries safe: ids derived from it let a retry
 * find the events its first attempt appended and answer with that result.
 */
import { KeystreamError, resourceByKind } from '@keystream/api';
import {
  decideResource,
  expectedRevisionOf,
  referencesOf,
  resolveNewName,
  streamOf,
  type Decision,
  type JsonObject,
  type ResourceCommand,
  type ResourceState,
} from '@keystream/domain';
import { comparePositions, isWrongExpectedVersionError, type EventStore, type NewEvent, type RecordedEvent } from '@keystream/eventstore';
import { generateId, normalizeTimestamp } from '@keystream/resource';
import { randomUUID } from 'node:crypto';
import type { ChildCounter } from './childCounter.js';
import { eventIdsFor, idRandomSource } from './deterministicIds.js';
import type { ResourceRepository } from './resourceRepository.js';

/** Who asks, and the request's identity for idempotency and tracing. */
export interface CommandOrigin {
  /** `user:alice@example.com`, `serviceAccount:…`, `anonymous`, `system`. */
  readonly actor: string;
  /** The caller's request id (`x-request-id`): a retry with the same id appends nothing new. */
  readonly requestId?: string | undefined;
  /** The request or event that caused this command (process managers pass the event id). */
  readonly causationId?: string | undefined;
  readonly correlationId?: string | undefined;
}

/** What a command did. */
export interface CommandResult {
  /** The resource after the command; undefined after a delete. */
  readonly resource: JsonObject | undefined;
  readonly updatedPaths: readonly string[];
  /** Global position of the command's last event (or of the resource's last event for a no-op). */
  readonly position: string;
  /** True when this answers a retry of a request that had already been carried out. */
  readonly replayed: boolean;
}

/** A create as the API receives it: the name may still have to be generated. */
export interface CreateRequest {
  readonly kind: string;
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
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Creates a resource, generating its id when the request names none. */
  async create(request: CreateRequest, origin: CommandOrigin): Promise<CommandResult> {
    const name = this.nameFor(request, origin);
    return this.execute({ type: 'create', kind: request.kind, resource: { ...request.resource, name } }, origin);
  }

  /**
   * The name a create will give its resource: the one the request names, else an id generated
   * from the request id (so a retry names the same resource) or at random.
   */
  nameFor(request: CreateRequest, origin: CommandOrigin): string {
    const descriptor = resourceByKind(request.kind);
    const random = idRandomSource(origin.requestId, request.kind, request.parent ?? '');
    return resolveNewName(request.kind, request.parent, request.resource, () => generateId(descriptor, random));
  }

  /** Decides and appends a lifecycle command, retrying on concurrent writes. */
  async execute(command: ResourceCommand, origin: CommandOrigin): Promise<CommandResult> {
    const name = command.type === 'delete' ? command.name : (command.resource['name'] as string);
    const stream = streamOf(command.kind, name);
    for (let attempt = 1; ; attempt += 1) {
      const { state, lastEvent } = await this.repository.load(command.kind, name);
      const replay = await this.previousAttempt(command.kind, name, stream, origin.requestId, lastEvent);
      // A retried delete finishes the cascade the first attempt may not have completed.
      if (replay) return command.type === 'delete' ? this.removeWithScope(name, origin, replay.position, replay) : replay;

      const stored = state.status === 'live' ? state.resource : undefined;
      const incoming = command.type === 'delete' ? undefined : command.resource;
      const references = await this.repository.loadReferences(referencesOf(command.kind, incoming, stored));
      const childCount = command.type === 'delete' && state.status === 'live' ? await this.children.count(command.kind, name) : undefined;
      const decision: Decision = decideResource(command, state, {
        now: normalizeTimestamp(this.clock().toISOString()),
        uuid: randomUUID(),
        actor: origin.actor,
        references,
        ...(childCount === undefined ? {} : { childCount }),
      });
      if (decision.events.length === 0) {
        return { resource: decision.resource, updatedPaths: [], position: lastEvent?.position ?? '', replayed: false };
      }

      const requestId = origin.requestId ?? randomUUID();
      const ids = eventIdsFor(origin.requestId, stream, decision.events.length);
      const occurredAt = normalizeTimestamp(this.clock().toISOString());
      const events: NewEvent[] = decision.events.map((event, index) => ({
        id: ids[index] as string,
        type: event.type,
        data: event.data,
        metadata: {
          actor: origin.actor,
          requestId,
          correlationId: origin.correlationId ?? requestId,
          causationId: origin.causationId ?? requestId,
          occurredAt,
          schema: 1,
        },
      }));
      try {
        const appended = await this.eventStore.append(stream, events, expectedRevisionOf(state));
        const result: CommandResult = { resource: decision.resource, updatedPaths: decision.updatedPaths, position: appended.position, replayed: false };
        return command.type === 'delete' ? await this.removeWithScope(command.name, origin, ids[0] as string, result) : result;
      } catch (error) {
        if (!isWrongExpectedVersionError(error)) throw error;
        if (attempt >= MAX_ATTEMPTS) {
          throw new KeystreamError('ABORTED', `${command.kind} ${name} is being changed concurrently; retry the request`, [], { cause: error });
        }
      }
    }
  }

  /**
   * Decides a command of a resource's own life cycle (accept, decline, expire, …) with a custom
   * pure decider, and appends its events expecting the revision it read; on a concurrent write the
   * decision is made again on the fresh state, so exactly one of many racing commands can move a
   * state machine out of a state. A retry with the same request id answers with its first result.
   */
  async decideAndAppend(
    kind: string,
    name: string,
    decide: (state: ResourceState, context: { readonly now: string }) => Decision,
    origin: CommandOrigin,
  ): Promise<CommandResult & { readonly eventIds: readonly string[] }> {
    const stream = streamOf(kind, name);
    for (let attempt = 1; ; attempt += 1) {
      const { state, lastEvent } = await this.repository.load(kind, name);
      const replay = await this.previousAttempt(kind, name, stream, origin.requestId, lastEvent);
      if (replay) return { ...replay, eventIds: eventIdsFor(origin.requestId, stream, 1) };
      const decision = decide(state, { now: normalizeTimestamp(this.clock().toISOString()) });
      if (decision.events.length === 0) {
        return { resource: decision.resource, updatedPaths: [], position: lastEvent?.position ?? '', replayed: false, eventIds: [] };
      }
      const requestId = origin.requestId ?? randomUUID();
      const ids = eventIdsFor(origin.requestId, stream, decision.events.length);
      const occurredAt = normalizeTimestamp(this.clock().toISOString());
      const events: NewEvent[] = decision.events.map((event, index) => ({
        id: ids[index] as string,
        type: event.type,
        data: event.data,
        metadata: { actor: origin.actor, requestId, correlationId: origin.correlationId ?? requestId, causationId: origin.causationId ?? requestId, occurredAt, schema: 1 },
      }));
      try {
        const appended = await this.eventStore.append(stream, events, expectedRevisionOf(state));
        return { resource: decision.resource, updatedPaths: decision.updatedPaths, position: appended.position, replayed: false, eventIds: ids };
      } catch (error) {
        if (!isWrongExpectedVersionError(error)) throw error;
        if (attempt >= MAX_ATTEMPTS) {
          throw new KeystreamError('ABORTED', `${kind} ${name} is being changed concurrently; retry the request`, [], { cause: error });
        }
      }
    }
  }

  /**
   * Deletes what goes with a deleted scope (its role bindings), as the system, each with a request
   * id derived from the delete's, so a retry of the delete neither repeats nor misses a step.
   */
  private async removeWithScope(name: string, origin: CommandOrigin, causationId: string, result: CommandResult): Promise<CommandResult> {
    let position = result.position;
    for (const dependent of await this.children.removedWith(name)) {
      try {
        const removed = await this.execute(
          { type: 'delete', kind: dependent.kind, name: dependent.name },
          {
            actor: 'system',
            requestId: `${origin.requestId ?? causationId}/with-scope/${dependent.name}`,
            causationId,
            correlationId: origin.correlationId ?? origin.requestId ?? causationId,
          },
        );
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
    kind: string,
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
    return { resource, updatedPaths, position: event.position, replayed: true };
  }
}
