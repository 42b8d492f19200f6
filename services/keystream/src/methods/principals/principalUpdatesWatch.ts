/**
 * WatchPrincipalUpdates on the watch machinery: four stateless watches — Users, ServiceAccountKeys,
 * RoleBindings and GroupMembers, on an engine that sees everything — merged into one stream of
 * principals.
 *
 * - A User or key that appears or changes is a `current_principals` entry; one deleted (a key
 *   revoked) is a `removed_principals` entry with its key id.
 * - A RoleBinding created, changed or deleted re-sends the principals of its member (the user, or
 *   every key of the service account): their rights changed, a service drops what it cached. A
 *   group member stands for every user and service account in the group, nested groups included,
 *   as the authorization index resolves them (`AuthzIndex.membersOfGroups`).
 * - A GroupMember added or removed re-sends the principals of the member that joined or left (for
 *   a nested group, everyone in it): what they inherit through the group changed.
 * - The first `is_current` comes once all four snapshots are in; every later committed series is
 *   `is_current`. `resume_token` is the oldest of the four watches' tokens, so resuming replays
 *   from there (a principal may be sent again as current, which a client applies idempotently).
 * - Any of the four resetting hard resets them all: `is_reset`, then a fresh snapshot.
 */
import { KeystreamError, methodByName } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import type { AuthzIndex } from '@keystream/authz';
import type { ReadStore } from '@keystream/readstore';
import { escapeRegex } from '@keystream/resource';
import { keyPrincipal, userPrincipal, type PrincipalMessage, type ResourceRepository } from '@keystream/service-api';
import { comparePositions, decodeResumeToken, type WatchEngine, type WatchHandle, type WatchSink } from '@keystream/watch';

/** What the watch reads. */
export interface PrincipalUpdatesDeps {
  /** An engine whose watches see every document (the caller was authorized for principals as a whole). */
  readonly engine: Pick<WatchEngine, 'start'>;
  readonly repository: ResourceRepository;
  readonly readStore: ReadStore;
  /**
   * Who is in a group, transitively: the authorization index of the process. Changes reach the
   * watches only once authorization has caught up with them, so it knows at least as much as
   * the change being mapped.
   */
  readonly groups: Pick<AuthzIndex, 'membersOfGroups'>;
}

type Part = 'users' | 'keys' | 'bindings' | 'groupMembers';

const PARTS: readonly { readonly part: Part; readonly method: string; readonly field: string; readonly request: JsonObject }[] = [
  { part: 'users', method: 'WatchUsers', field: 'userChanges', request: {} },
  { part: 'keys', method: 'WatchServiceAccountKeys', field: 'serviceAccountKeyChanges', request: { parent: 'projects/-/regions/-/serviceAccounts/-' } },
  { part: 'bindings', method: 'WatchRoleBindings', field: 'roleBindingChanges', request: {} },
  { part: 'groupMembers', method: 'WatchGroupMembers', field: 'groupMemberChanges', request: {} },
];

/** Addresses per read-model query when a group's members are looked up. */
const LOOKUP_BATCH = 500;

/** The resource a part's change carries, and its kind in the write model. */
const MEMBER_CARRIERS: Readonly<Partial<Record<Part, { readonly kind: 'RoleBinding' | 'GroupMember'; readonly field: string }>>> = {
  bindings: { kind: 'RoleBinding', field: 'roleBinding' },
  groupMembers: { kind: 'GroupMember', field: 'groupMember' },
};

interface PartState {
  handle: WatchHandle | undefined;
  /** Mapped principals of the series not yet committed. */
  current: PrincipalMessage[];
  removed: string[];
  committed: boolean;
  token: string | undefined;
}

/** Starts the watch; `request` is a decoded WatchPrincipalUpdatesRequest. */
export function startPrincipalUpdatesWatch(deps: PrincipalUpdatesDeps, request: Readonly<Record<string, unknown>>, sink: WatchSink): { close(): void; readonly done: Promise<void> } {
  const resumeText = typeof request['resumeToken'] === 'string' && request['resumeToken'] !== '' ? request['resumeToken'] : undefined;
  let resumeAfter = resumeText === undefined ? undefined : decodeResumeToken(resumeText);
  let closed = false;
  let generation = 0;
  let allCommitted = false;
  let lastToken: string | undefined;
  let settle: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  let parts = new Map<Part, PartState>();
  // Responses are handled one at a time, in order: mapping reads stores.
  let queue: Promise<void> = Promise.resolve();
  let pending = 0;

  // A slow client holds the queue, and with it the three watches (their sends report full).
  const send = async (response: JsonObject): Promise<void> => {
    if (!closed && !sink.send(response)) await sink.whenWritable();
  };

  const fail = (error: unknown): void => {
    if (closed) return;
    closed = true;
    for (const state of parts.values()) state.handle?.close();
    sink.fail(error instanceof KeystreamError ? error : new KeystreamError('INTERNAL', 'the principal watch failed'));
    settle();
  };

  /** Principals of user and service-account members, looked up in one query per kind. */
  const principalsOfMembers = async (members: readonly string[]): Promise<PrincipalMessage[]> => {
    const principals: PrincipalMessage[] = [];
    const userEmails = members.filter((member) => member.startsWith('user:')).map((member) => member.slice('user:'.length).toLowerCase());
    const accountEmails = members.filter((member) => member.startsWith('serviceAccount:')).map((member) => member.slice('serviceAccount:'.length));
    for (let from = 0; from < userEmails.length; from += LOOKUP_BATCH) {
      const users = await deps.readStore.query('User', { filter: { email: { $in: userEmails.slice(from, from + LOOKUP_BATCH) } } });
      principals.push(...users.documents.map((stored) => userPrincipal(stored.document)));
    }
    for (let from = 0; from < accountEmails.length; from += LOOKUP_BATCH) {
      const accounts = await deps.readStore.query('ServiceAccount', { filter: { email: { $in: accountEmails.slice(from, from + LOOKUP_BATCH) } } });
      for (const account of accounts.documents) {
        const keys = await deps.readStore.query('ServiceAccountKey', { filter: { name: { $regex: `^${escapeRegex(`${account.document['name'] as string}/serviceAccountKeys/`)}` } } });
        for (const key of keys.documents) principals.push(await keyPrincipal(deps.repository, key.document));
      }
    }
    return principals;
  };

  /** The principals a binding's or membership's member stands for (a group: everyone in it, nested groups included). */
  const principalsOfMember = (member: string | undefined): Promise<PrincipalMessage[]> => {
    if (member === undefined) return Promise.resolve([]);
    return principalsOfMembers(member.startsWith('group:') ? deps.groups.membersOfGroups([member]) : [member]);
  };

  const memberOfDeleted = async (kind: 'RoleBinding' | 'GroupMember', name: string): Promise<string | undefined> => {
    const { state } = await deps.repository.load(kind, name);
    const member = state.status === 'absent' ? undefined : state.resource['member'];
    return typeof member === 'string' ? member : undefined;
  };

  const minimumToken = (): string | undefined => {
    let minimum: string | undefined;
    for (const state of parts.values()) {
      if (state.token === undefined) return undefined;
      if (minimum === undefined || comparePositions(state.token, minimum) < 0) minimum = state.token;
    }
    return minimum;
  };

  const handle = async (part: Part, field: string, response: JsonObject, mine: number): Promise<void> => {
    const state = parts.get(part);
    if (closed || mine !== generation || state === undefined) return;
    if (response['isHardReset'] === true) {
      await restart(true);
      return;
    }
    if (response['isSoftReset'] === true) {
      state.current = [];
      state.removed = [];
      return;
    }
    const changes = Array.isArray(response[field]) ? (response[field] as JsonObject[]) : undefined;
    if (changes === undefined) return;
    for (const change of changes) {
      const current = change['current'] as JsonObject | undefined;
      const removed = change['removed'] as JsonObject | undefined;
      if (part === 'users') {
        if (current !== undefined) state.current.push(userPrincipal(current['user'] as JsonObject));
        if (removed !== undefined) state.removed.push(removed['name'] as string);
      } else if (part === 'keys') {
        if (current !== undefined) state.current.push(await keyPrincipal(deps.repository, current['serviceAccountKey'] as JsonObject));
        if (removed !== undefined) state.removed.push(removed['name'] as string);
      } else {
        // The snapshots of bindings and memberships send nothing: the users' and keys' snapshots hold every principal.
        if (!state.committed) continue;
        const carrier = MEMBER_CARRIERS[part] as { readonly kind: 'RoleBinding' | 'GroupMember'; readonly field: string };
        const resource = current?.[carrier.field] as JsonObject | undefined;
        // A deleted binding's or membership's last event still holds its member.
        const member = typeof resource?.['member'] === 'string' ? resource['member'] : await memberOfDeleted(carrier.kind, removed?.['name'] as string);
        state.current.push(...(await principalsOfMember(member)));
      }
    }
    if (response['isCurrent'] !== true) return;
    state.committed = true;
    if (typeof response['resumeToken'] === 'string') state.token = response['resumeToken'];
    const nowAll = [...parts.values()].every((entry) => entry.committed);
    const token = nowAll ? minimumToken() : undefined;
    // A principal reached several ways (two bindings, a group and directly) is sent once per series.
    const currentPrincipals = [...new Map(state.current.map((principal) => [typeof principal['principalKeyId'] === 'string' ? principal['principalKeyId'] : JSON.stringify(principal), principal])).values()];
    const removedPrincipals = state.removed.map((principalKeyId) => ({ principalKeyId }));
    state.current = [];
    state.removed = [];
    const first = nowAll && !allCommitted;
    allCommitted = nowAll;
    if (currentPrincipals.length === 0 && removedPrincipals.length === 0 && !first && (token === undefined || token === lastToken)) return;
    if (token !== undefined) lastToken = token;
    await send({
      currentPrincipals,
      removedPrincipals,
      ...(nowAll ? { isCurrent: true } : {}),
      ...(token === undefined ? {} : { resumeToken: token }),
    });
  };

  const open = (): void => {
    generation += 1;
    const mine = generation;
    // A resumed watch has no snapshot: every change it replays counts.
    const resumed = resumeAfter !== undefined;
    parts = new Map(PARTS.map(({ part }) => [part, { handle: undefined, current: [], removed: [], committed: resumed, token: resumed ? resumeAfter : undefined }]));
    allCommitted = resumed;
    for (const { part, method, field, request: base } of PARTS) {
      const subSink: WatchSink = {
        send: (response) => {
          pending += 1;
          queue = queue
            .then(() => handle(part, field, response, mine))
            .catch(fail)
            .finally(() => {
              pending -= 1;
            });
          // Backpressure: the part waits while mapped responses pile up.
          return pending < 64;
        },
        whenWritable: async () => {
          await queue;
          await sink.whenWritable();
        },
        fail: (error) => {
          if (mine === generation) fail(error);
        },
      };
      const state = parts.get(part) as PartState;
      state.handle = deps.engine.start(methodByName(method), { ...base, type: 'STATELESS', maxChunkSize: 1000, ...(resumeAfter === undefined ? {} : { resumeToken: resumeAfter }) }, subSink);
    }
  };

  const restart = async (announce: boolean): Promise<void> => {
    for (const state of parts.values()) state.handle?.close();
    resumeAfter = undefined;
    lastToken = undefined;
    if (announce) await send({ isReset: true });
    if (!closed) open();
  };

  try {
    open();
  } catch (error) {
    closed = true;
    settle();
    throw error;
  }
  return {
    close: () => {
      if (closed) return;
      closed = true;
      for (const state of parts.values()) state.handle?.close();
      settle();
    },
    done,
  };
}
