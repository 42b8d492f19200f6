/**
 * The minimal service registry behind the service-project methods: which projects are service
 * projects, which service names are reserved (by which project, for which admin account) and
 * which services exist (each a `goten.meta.v1.Service`).
 *
 * It is one event stream, `ServiceRegistry-global`: service names are global, there are few of
 * them and they change rarely, so one stream gives uniqueness and atomic multi-part decisions by
 * optimistic concurrency alone. The fold is cached with its revision and only newer events are
 * read. Its events carry no `resource`, so they project to no document, and the relay (resource
 * events only) does not publish them.
 */
import { randomUUID } from 'node:crypto';
import { KeystreamError, MESSAGE_SCHEMAS } from '@keystream/api';
import { serviceAccountEmailOf, type JsonObject } from '@keystream/domain';
import { isWrongExpectedVersionError, type EventStore, type RecordedEvent } from '@keystream/eventstore';

/** The registry's stream. */
export const SERVICE_REGISTRY_STREAM = 'ServiceRegistry-global';

/** A service name reserved for an admin account of a service project. */
export interface ServiceReservation {
  readonly service: string;
  readonly project: string;
  readonly adminAccount: string;
}

/** A registered service: the `goten.meta.v1.Service` fields, in internal (camelCase) form. */
export interface RegisteredService {
  readonly project: string;
  readonly service: JsonObject;
}

/** The registry's state. */
export interface RegistryState {
  readonly serviceProjects: ReadonlySet<string>;
  readonly reservations: ReadonlyMap<string, ServiceReservation>;
  readonly services: ReadonlyMap<string, RegisteredService>;
}

type Change =
  | { readonly type: 'ServiceProjectSetUp'; readonly data: { readonly project: string } }
  | { readonly type: 'ServiceNameReserved'; readonly data: ServiceReservation }
  | { readonly type: 'ServiceReservationDeleted'; readonly data: { readonly service: string; readonly project: string } }
  | { readonly type: 'ServiceRegistered'; readonly data: { readonly project: string; readonly adminAccount: string; readonly service: JsonObject } };

/** Service names: `services/<domain-like id>` (`iam.edgelq.com`, `devices.example.com`). */
export const SERVICE_NAME = /^services\/[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

/** INVALID_ARGUMENT naming `field` unless `value` is a service name. */
export function requireServiceName(value: string | undefined, field: string): string {
  if (value === undefined || value === '') throw KeystreamError.invalidArgument([{ field, description: 'required: a service name services/<domain>' }]);
  if (!SERVICE_NAME.test(value) || value.length > 256) {
    throw KeystreamError.invalidArgument([{ field, description: `expected services/<domain> such as services/devices.example.com, got ${JSON.stringify(value)}` }]);
  }
  return value;
}

function evolve(state: { serviceProjects: Set<string>; reservations: Map<string, ServiceReservation>; services: Map<string, RegisteredService> }, event: RecordedEvent): void {
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case 'ServiceProjectSetUp':
      state.serviceProjects.add(data['project'] as string);
      break;
    case 'ServiceNameReserved':
      state.reservations.set(data['service'] as string, { service: data['service'] as string, project: data['project'] as string, adminAccount: data['adminAccount'] as string });
      break;
    case 'ServiceReservationDeleted':
      state.reservations.delete(data['service'] as string);
      break;
    case 'ServiceRegistered':
      state.reservations.delete((data['service'] as JsonObject)['name'] as string);
      state.services.set((data['service'] as JsonObject)['name'] as string, { project: data['project'] as string, service: data['service'] as JsonObject });
      break;
    default:
      // A newer version's event: ignored by this one.
      break;
  }
}

const MAX_ATTEMPTS = 8;

export class ServiceRegistry {
  private cached = { revision: -1, state: { serviceProjects: new Set<string>(), reservations: new Map<string, ServiceReservation>(), services: new Map<string, RegisteredService>() } };

  constructor(
    private readonly eventStore: EventStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The registry as of now (every acknowledged change included). */
  async state(): Promise<RegistryState> {
    return (await this.load()).state;
  }

  /** Marks a project as a service project (idempotent). */
  async setUpServiceProject(project: string, actor: string): Promise<void> {
    await this.change(actor, (state) => (state.serviceProjects.has(project) ? [] : [{ type: 'ServiceProjectSetUp', data: { project } }]));
  }

  /**
   * Reserves `service` for `adminAccount` of `project`. Reserving again what the same project
   * reserved for the same account is a no-op (a retry); anything else already holding the name
   * is ALREADY_EXISTS.
   */
  async reserve(reservation: ServiceReservation, actor: string): Promise<void> {
    await this.change(actor, (state) => {
      if (!state.serviceProjects.has(reservation.project)) {
        throw new KeystreamError('FAILED_PRECONDITION', `${reservation.project} is not a service project: set it up with SetupServiceProject first`);
      }
      if (state.services.has(reservation.service)) throw new KeystreamError('ALREADY_EXISTS', `service ${reservation.service} exists already`);
      const held = state.reservations.get(reservation.service);
      if (held !== undefined) {
        if (held.project === reservation.project && held.adminAccount === reservation.adminAccount) return [];
        throw new KeystreamError('ALREADY_EXISTS', held.project === reservation.project ? `${reservation.service} is reserved already in ${held.project} for ${held.adminAccount}` : `${reservation.service} is reserved already by another project`);
      }
      return [{ type: 'ServiceNameReserved', data: reservation }];
    });
  }

  /**
   * Deletes the reservation of `service` in `project`. A name the project's admin account has
   * claimed is a registered service, no longer a reservation: FAILED_PRECONDITION (freeing it
   * would orphan the service and let another project register the same name). NOT_FOUND when
   * the project holds neither.
   */
  async deleteReservation(project: string, service: string, actor: string): Promise<void> {
    await this.change(actor, (state) => {
      if (state.services.get(service)?.project === project) {
        throw new KeystreamError('FAILED_PRECONDITION', `service: ${service} was claimed: it is a registered service of ${project}, no longer a reservation, and stays registered`);
      }
      const held = state.reservations.get(service);
      if (held === undefined || held.project !== project) throw new KeystreamError('NOT_FOUND', `service: ${project} holds no reservation of ${service}`);
      return [{ type: 'ServiceReservationDeleted', data: { service, project } }];
    });
  }

  /**
   * Claims a reserved name: registers the service. Only the reserving admin account may, and only
   * while the reservation stands. The service keeps the fields of `goten.meta.v1.Service` given in
   * `service` (output-only `metadata` is set here).
   */
  async register(service: JsonObject, actor: string): Promise<JsonObject> {
    const name = requireServiceName(typeof service['name'] === 'string' ? service['name'] : undefined, 'service.name');
    // The fields of goten.meta.v1.Service and nothing else, with their types.
    const checked = MESSAGE_SCHEMAS.Service.safeParse(service);
    if (!checked.success) {
      throw KeystreamError.invalidArgument(checked.error.issues.map((issue) => ({ field: ['service', ...issue.path.map(String)].join('.'), description: issue.message })));
    }
    let registered: JsonObject = {};
    await this.change(actor, (state) => {
      if (state.services.has(name)) throw new KeystreamError('ALREADY_EXISTS', `service.name: service ${name} exists already`);
      const held = state.reservations.get(name);
      if (held === undefined) throw new KeystreamError('FAILED_PRECONDITION', `service.name: ${name} is not reserved: a service project reserves it first (ReserveServiceName)`);
      // Who may claim is the reservation's admin account and no one else — not even an
      // administrator: the caller's identity is the check, so it is PERMISSION_DENIED.
      if (actor !== `serviceAccount:${serviceAccountEmailOf(held.adminAccount)}`) {
        throw new KeystreamError('PERMISSION_DENIED', `service.name: ${name} is reserved for the admin account ${held.adminAccount}; ${actor} may not claim it`);
      }
      const now = this.clock().toISOString();
      registered = { ...service, name, metadata: { createTime: now, updateTime: now, uuid: randomUUID() } };
      return [{ type: 'ServiceRegistered', data: { project: held.project, adminAccount: held.adminAccount, service: registered } }];
    });
    return registered;
  }

  private async load(): Promise<typeof this.cached> {
    const events = await this.eventStore.readStream(SERVICE_REGISTRY_STREAM, { fromRevision: this.cached.revision + 1 });
    if (events.length === 0) return this.cached;
    // Fold on a copy: a concurrent reader must never see half of a batch.
    const state = { serviceProjects: new Set(this.cached.state.serviceProjects), reservations: new Map(this.cached.state.reservations), services: new Map(this.cached.state.services) };
    let revision = this.cached.revision;
    for (const event of events) {
      if (event.revision <= revision) continue;
      evolve(state, event);
      revision = event.revision;
    }
    if (revision > this.cached.revision) this.cached = { revision, state };
    return this.cached;
  }

  private async change(actor: string, decide: (state: RegistryState) => Change[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const { revision, state } = await this.load();
      const changes = decide(state);
      if (changes.length === 0) return;
      const occurredAt = this.clock().toISOString();
      const requestId = randomUUID();
      try {
        await this.eventStore.append(
          SERVICE_REGISTRY_STREAM,
          changes.map((change) => ({ id: randomUUID(), type: change.type, data: change.data as unknown as JsonObject, metadata: { actor, requestId, correlationId: requestId, causationId: requestId, occurredAt, schema: 1 } })),
          revision < 0 ? 'no_stream' : revision,
        );
        return;
      } catch (error) {
        if (!isWrongExpectedVersionError(error)) throw error;
        if (attempt >= MAX_ATTEMPTS) throw new KeystreamError('ABORTED', 'the service registry is being changed concurrently; retry the request', [], { cause: error });
      }
    }
  }
}

