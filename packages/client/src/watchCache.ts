/**
 * The client side of a stateless watch, as a pure state machine: uncommitted chunks are held until
 * `is_current`, soft resets drop them, hard resets drop everything, `snapshot_size` is checked, and
 * every committed change is checked for consistency (a `Current` for a document is always allowed,
 * a `Removed` of a document the cache does not hold is a gap or a duplicate and is reported).
 */

/** A resource in wire or internal JSON form (only `name` is relied on). */
export type Resource = Readonly<Record<string, unknown>> & { readonly name?: string };

/** One committed change, as the cache applied it. */
export type CacheChange =
  | { readonly type: 'current'; readonly name: string; readonly resource: Resource; readonly previous: Resource | undefined }
  | { readonly type: 'removed'; readonly name: string; readonly previous: Resource };

/** What applying one response did. */
export interface CacheStep {
  /** Changes committed by this response (empty unless it was `is_current`). */
  readonly changes: readonly CacheChange[];
  /** The response was a hard reset: the cache was cleared and a new snapshot follows. */
  readonly hardReset: boolean;
  /** This response completed the first snapshot after the watch started or was reset. */
  readonly synced: boolean;
}

/** The stream contradicted itself; the client must reconnect (without its resume token for a snapshot mismatch). */
export class WatchConsistencyError extends Error {
  override readonly name = 'WatchConsistencyError';
}

/** Fields of a `Watch<Kinds>Response` the cache reads (wire or internal form). */
export interface StatelessResponse {
  readonly isCurrent?: boolean;
  readonly isSoftReset?: boolean;
  readonly isHardReset?: boolean;
  readonly resumeToken?: string;
  readonly snapshotSize?: number | string;
  readonly [changesField: string]: unknown;
}

interface ChangeMessage {
  readonly current?: Readonly<Record<string, unknown>>;
  readonly removed?: { readonly name?: string };
}

/** A stateless watch's local cache of one collection. */
export class WatchCache {
  private readonly documents = new Map<string, Resource>();
  private uncommitted: ChangeMessage[] = [];
  private synced = false;
  /** The last committed resume token: reconnect with it. */
  resumeToken: string | undefined;

  constructor(
    /** `group` for Groups: the field of Current holding the resource. */
    private readonly singular: string,
  ) {}

  /** Documents held, by name. */
  get resources(): ReadonlyMap<string, Resource> {
    return this.documents;
  }

  /** True once a snapshot (or a resume) has been committed. */
  get isSynced(): boolean {
    return this.synced;
  }

  /** Applies one response. Throws WatchConsistencyError when the stream contradicts the cache. */
  apply(response: StatelessResponse): CacheStep {
    if (response.isHardReset === true) {
      this.documents.clear();
      this.uncommitted = [];
      this.resumeToken = undefined;
      this.synced = false;
      return { changes: [], hardReset: true, synced: false };
    }
    if (response.isSoftReset === true) {
      this.uncommitted = [];
      return { changes: [], hardReset: false, synced: false };
    }
    const changes = response[`${this.singular}Changes`];
    if (Array.isArray(changes)) for (const change of changes) this.uncommitted.push(change as ChangeMessage);
    const size = response.snapshotSize === undefined ? -1 : Number(response.snapshotSize);
    if (!Array.isArray(changes) && response.isCurrent !== true && size >= 0) {
      if (size !== this.documents.size) throw new WatchConsistencyError(`server says the watch holds ${size} resources, the cache holds ${this.documents.size}`);
      return { changes: [], hardReset: false, synced: false };
    }
    if (response.isCurrent !== true) return { changes: [], hardReset: false, synced: false };
    const committed = this.commit();
    if (response.resumeToken !== undefined) this.resumeToken = response.resumeToken;
    const first = !this.synced;
    this.synced = true;
    return { changes: committed, hardReset: false, synced: first };
  }

  private commit(): CacheChange[] {
    const applied: CacheChange[] = [];
    const pending = this.uncommitted;
    this.uncommitted = [];
    for (const change of pending) {
      if (change.current !== undefined) {
        const resource = change.current[this.singular] as Resource | undefined;
        const name = resource?.name;
        if (resource === undefined || typeof name !== 'string') throw new WatchConsistencyError('a Current change without a resource name');
        const previous = this.documents.get(name);
        this.documents.set(name, resource);
        applied.push({ type: 'current', name, resource, previous });
      } else if (change.removed !== undefined) {
        const name = change.removed.name ?? '';
        const previous = this.documents.get(name);
        if (previous === undefined) throw new WatchConsistencyError(`Removed ${name}, which the cache does not hold (a gap or a duplicate)`);
        this.documents.delete(name);
        applied.push({ type: 'removed', name, previous });
      } else {
        throw new WatchConsistencyError(`unexpected change in a stateless watch: ${JSON.stringify(change)}`);
      }
    }
    return applied;
  }
}
