/**
 * A stateless watch (`type: STATELESS`): `Current`/`Removed` changes, chunked, each committed
 * series carrying a resume token; hard reset and fresh snapshot when the feed is lost, the token
 * expired or the client fell too far behind.
 *
 * Snapshot consistency: head P1, subscribe after P1, query, head P2, then fold the entries in
 * (P1, P2] into the snapshot (skipping entries at or below a document's own position) before
 * sending it: the snapshot is exactly the store at P2, and P2 is its resume token. After P2 a
 * change's `before` is what the client holds, so membership is decided from before/after alone
 * and the watch keeps no per-document state beyond the names its client holds.
 *
 * Authorization changes (the engine's `authorizationVersion` moved): the watch re-runs its
 * snapshot query and diffs it against the names the client holds: `Removed` for what is no
 * longer visible, `Current` for what became visible (or changed meanwhile), one committed series
 * with a fresh resume token, nothing at all when the change does not touch this watch. Only the
 * watches of principals whose rights moved re-check (the engine's `rightsMoved`); the others send
 * nothing and query nothing. A watch resumed from a token works out what its client holds at the
 * token when it resumes (the store now, with each document changed since taken back to its state
 * before the first change after the token), so a later change of rights is answered with
 * `Removed`/`Current` for exactly what was lost or gained, not with a hard reset.
 */
import type { ChangeLogEntry, JsonObject, Position } from '@keystream/readstore';
import { comparePositions, laterPosition } from '@keystream/kernel';
import { encodeResumeToken } from './resumeToken.js';
import { positionBeforeTime } from './startingPosition.js';
import type { StatelessPlan } from './watchPlan.js';
import { isResetCause, WatchRunner } from './watchRunner.js';
import type { HubBucket } from './changeHub.js';

type Start = { readonly kind: 'snapshot' } | { readonly kind: 'resume'; readonly after: Position } | { readonly kind: 'time'; readonly time: number };

export class StatelessWatch extends WatchRunner<StatelessPlan> {
  /**
   * Names of the documents the client holds, when known (after a snapshot); undefined after a
   * resume. What the client holds, not what matches now: a change of rights makes them differ.
   */
  private held: Set<string> | undefined;
  private changesSinceSize = 0;
  /** The loop waits at the tail (in run) for entries: a batch may be taken as the group's shared series. */
  private parked = false;

  protected async run(): Promise<void> {
    let start: Start =
      this.plan.resumeAfter !== undefined
        ? { kind: 'resume', after: this.plan.resumeAfter }
        : this.plan.startingTime !== undefined
          ? { kind: 'time', time: this.plan.startingTime }
          : { kind: 'snapshot' };
    for (;;) {
      try {
        if (start.kind === 'time') {
          const after = await positionBeforeTime(this.context.store, start.time);
          start = after === null ? { kind: 'snapshot' } : { kind: 'resume', after };
          if (after === null) {
            await this.emit(this.responses.hardReset());
            continue;
          }
        }
        if (start.kind === 'resume' && comparePositions(start.after, await this.context.store.head()) > 0) {
          // A token ahead of the log this gateway reads (a store restored or rebuilt, a token
          // from elsewhere): replaying "after" it would skip every change up to it. The client
          // starts over from a snapshot instead, so nothing is lost.
          await this.emit(this.responses.hardReset());
          start = { kind: 'snapshot' };
        }
        if (start.kind === 'snapshot') await this.snapshot();
        else await this.resume(start.after);
        // The tail. An idle watch waits here, in this frame: a separate async function for the
        // wait would keep one more suspended frame (generator, promise, reaction) per idle watch.
        for (;;) {
          // Checked before waiting too: a move seen before the wait has no nudge left to wake it.
          if (this.authorizationMoved()) {
            await this.reauthorize([]);
            continue;
          }
          this.parked = true;
          let entries: ChangeLogEntry[];
          try {
            entries = await this.take();
          } finally {
            this.parked = false;
          }
          await this.handleTaken(entries);
        }
      } catch (error) {
        if (!isResetCause(error) || this.closed) throw error;
        this.subscription?.close();
        await this.sink.whenWritable();
        await this.emit(this.responses.hardReset());
        start = { kind: 'snapshot' };
      }
    }
  }

  private async snapshot(): Promise<void> {
    const p1 = await this.context.store.head();
    this.subscribe(p1);
    const { documents, p2 } = await this.visibleNow([]);
    const names = [...documents.keys()].sort();
    const changes = names.map((name) => this.responses.current(this.responses.project(documents.get(name) as JsonObject)));
    await this.emitSeries(changes, this.plan.maxChunkSize, { resumeToken: encodeResumeToken(p2) });
    this.committed = p2;
    this.held = new Set(names);
    this.changesSinceSize = 0;
    await this.emit(this.responses.snapshotSize(this.held.size));
  }

  /**
   * The documents the watch shows at a consistent point P2 (query, then the subscription's entries
   * up to P2 folded in, skipping entries at or below a document's own position), with the names of
   * the entries folded in (`taken`: entries already taken from the queue, all at or below P2).
   * Visibility is decided with the authorization state as it is now.
   */
  private async visibleNow(taken: readonly ChangeLogEntry[]): Promise<{ documents: Map<string, JsonObject>; p2: Position; touched: Set<string> }> {
    const { store } = this.context;
    const subscription = this.subscription;
    this.markAuthorizationSeen();
    const result = await store.query(this.plan.descriptor.kind, { filter: this.plan.selection });
    const p2 = await store.head();
    const documents = new Map<string, JsonObject>();
    const positions = new Map<string, Position>();
    for (const stored of result.documents) {
      positions.set(stored.name, stored.position);
      if (this.matcher.matches(stored.document)) documents.set(stored.name, stored.document);
    }
    await subscription?.reached(p2);
    this.assertOpen();
    const touched = new Set<string>();
    for (const entry of [...taken, ...this.queue.takeWhile((candidate) => comparePositions(candidate.position, p2) <= 0)]) {
      touched.add(entry.name);
      const own = positions.get(entry.name);
      if (own !== undefined && comparePositions(entry.position, own) <= 0) continue;
      positions.set(entry.name, entry.position);
      if (this.matcher.matches(entry.after)) documents.set(entry.name, entry.after as JsonObject);
      else documents.delete(entry.name);
    }
    return { documents, p2, touched };
  }

  /**
   * The authorization state moved: brings the client's set level with what it may see now, with
   * the entries taken but not processed yet folded in. Sends nothing when nothing differs.
   */
  private async reauthorize(taken: readonly ChangeLogEntry[]): Promise<void> {
    const held = this.held;
    if (held === undefined) {
      // Not known yet (the watch is still resuming): only a fresh snapshot is safe.
      await this.emit(this.responses.hardReset());
      await this.snapshot();
      return;
    }
    const { documents, p2, touched } = await this.visibleNow(taken);
    const changes: JsonObject[] = [];
    for (const name of [...held].sort()) if (!documents.has(name)) changes.push(this.responses.removed(name));
    for (const name of [...documents.keys()].sort()) {
      if (!held.has(name) || touched.has(name)) changes.push(this.responses.current(this.responses.project(documents.get(name) as JsonObject)));
    }
    if (changes.length === 0) return;
    this.held = new Set(documents.keys());
    this.committed = p2;
    await this.emitSeries(changes, this.plan.maxChunkSize, { resumeToken: encodeResumeToken(p2) });
    this.changesSinceSize = 0;
    // The count the client should hold now, so its cache can check the correction.
    await this.emit(this.responses.snapshotSize(this.held.size));
  }

  /** Entries of documents the client holds always matter, even when they no longer match. */
  protected override isRelevant(entry: ChangeLogEntry): boolean {
    return this.held?.has(entry.name) === true || super.isRelevant(entry);
  }

  private async resume(after: Position): Promise<void> {
    const subscription = this.subscribe(after);
    this.markAuthorizationSeen();
    // Fails here (ChangeLogExpiredError → hard reset) when the token is older than retention.
    await subscription.reached(this.context.hub.position);
    this.held = undefined;
    this.held = await this.heldAt(after);
    this.committed = after;
    await this.emit(this.responses.many([], { isCurrent: true, resumeToken: encodeResumeToken(after) }));
  }

  /**
   * What a client resuming after `after` holds: the documents visible at that position. The store
   * is read now (P2); a document changed in (after, P2] is taken back to the `before` of its first
   * change after the token. The queued entries stay queued: the tail still sends them.
   */
  private async heldAt(after: Position): Promise<Set<string>> {
    const { store } = this.context;
    const result = await store.query(this.plan.descriptor.kind, { filter: this.plan.selection });
    const p2 = await store.head();
    await this.subscription?.reached(p2);
    this.assertOpen();
    const firstBefore = new Map<string, ChangeLogEntry['before']>();
    for (const entry of this.queue.peek()) {
      if (comparePositions(entry.position, after) > 0 && !firstBefore.has(entry.name)) firstBefore.set(entry.name, entry.before);
    }
    const held = new Set<string>();
    for (const [name, before] of firstBefore) if (this.matcher.matches(before)) held.add(name);
    for (const stored of result.documents) {
      // Changed after the token but never queued: no version of it since then was visible.
      if (firstBefore.has(stored.name) || comparePositions(stored.position, after) > 0) continue;
      if (this.matcher.matches(stored.document)) held.add(stored.name);
    }
    return held;
  }

  /** What the tail does with the entries one wait returned (see {@link run}). */
  private async handleTaken(entries: ChangeLogEntry[]): Promise<void> {
    if (this.authorizationMoved()) {
      await this.reauthorize(entries);
      return;
    }
    // Everything delivered up to the mark was taken by now, so the mark is a consistent point.
    const progress = this.queue.takeProgress();
    const last = entries[entries.length - 1];
    const changes: JsonObject[] = [];
    for (const entry of entries) {
      const change = this.changeOf(entry);
      if (change !== undefined) changes.push(change);
    }
    const position = laterPosition(last?.position ?? '', progress ?? '');
    if (changes.length === 0) {
      // An idle (or very selective) watch still gets a fresh resume token now and then, so a
      // reconnect does not replay, or fall behind retention, for nothing.
      if (progress !== undefined && comparePositions(position, this.committed ?? '') > 0) {
        this.committed = position;
        await this.emit(this.responses.many([], { isCurrent: true, resumeToken: encodeResumeToken(position) }));
      }
      return;
    }
    this.committed = position;
    await this.emitSeries(changes, this.plan.maxChunkSize, { resumeToken: encodeResumeToken(position) });
    this.changesSinceSize += changes.length;
    if (this.held !== undefined && this.changesSinceSize >= this.context.snapshotSizeInterval) {
      this.changesSinceSize = 0;
      await this.emit(this.responses.snapshotSize(this.held.size));
    }
  }

  /**
   * Its group: a stateless watch's client holds only documents whose last version it was sent
   * passed the selection, so an entry whose before and after both fail it changes nothing here
   * (not what the client holds, not a snapshot being folded, not a re-check of rights).
   */
  protected override hubBucket(): HubBucket {
    return this.group;
  }

  /**
   * The fan-out's fast path: while the loop waits at the tail with nothing queued, a batch is
   * answered with the group's shared series — the same changes and the same response object as
   * every watch of the group whose principal sees the batch alike — sent from here, synchronously.
   * Anything unusual (rights moved, a transport to wait for, more changes than one chunk, a client
   * that holds something else than what matched before) takes the loop's ordinary path instead.
   */
  protected override takeShared(entries: readonly ChangeLogEntry[]): boolean {
    if (!this.parked || !this.queue.idle || this.closed || this.mustWaitWritable || this.authorizationMoved()) return false;
    const held = this.held;
    if (!this.group.selectsAny(entries)) {
      // Nothing in the batch passes the filter (the usual case among many selective watches):
      // nothing to send, and a client holding what matched holds none of these names.
      if (held !== undefined) for (const entry of entries) if (held.has(entry.name)) return false;
      return true;
    }
    const series = this.group.series(entries, this.principal);
    // The client must hold exactly what matched before each entry (always so while rights stay
    // put); a document changed twice in the batch is held after its first change as it matched then.
    let next: Map<string, boolean> | undefined;
    if (held !== undefined) {
      next = new Map();
      for (const item of series.outcomes) {
        if ((next.get(item.name) ?? held.has(item.name)) !== item.before) return false;
        next.set(item.name, item.after);
      }
    }
    // Nothing, or only updates the mask hides: the client's set stays what it was.
    if (series.response === undefined) return true;
    const chunk = this.plan.maxChunkSize <= 0 ? Number.POSITIVE_INFINITY : this.plan.maxChunkSize;
    if (series.changes.length > chunk) return false;
    if (held !== undefined && next !== undefined) {
      for (const [name, holds] of next) {
        if (holds) held.add(name);
        else held.delete(name);
      }
    }
    this.committed = series.position;
    try {
      let writable = this.sink.send(series.response);
      this.changesSinceSize += series.changes.length;
      if (held !== undefined && this.changesSinceSize >= this.context.snapshotSizeInterval) {
        this.changesSinceSize = 0;
        writable = this.sink.send(this.responses.snapshotSize(held.size)) && writable;
      }
      if (!writable) this.mustWaitWritable = true;
    } catch (error) {
      // Runs inside the shared tail's fan-out: the failure is this watch's alone, its loop reports it.
      this.queue.fail(error instanceof Error ? error : new Error(String(error)));
    }
    return true;
  }

  /** The change the client sees for one entry, if any; keeps the held set. */
  private changeOf(entry: ChangeLogEntry): JsonObject | undefined {
    // Whether the client holds it: known exactly after a snapshot; after a resume, the document
    // matched before its change exactly when the client holds it (rights have not moved since).
    const before = this.held === undefined ? this.matcher.matches(entry.before) : this.held.has(entry.name);
    const after = this.matcher.matches(entry.after);
    if (after) {
      const document = entry.after as JsonObject;
      if (before && !this.group.touchesMask(entry)) return undefined;
      this.held?.add(entry.name);
      return this.group.current(document);
    }
    if (before) {
      this.held?.delete(entry.name);
      return this.responses.removed(entry.name);
    }
    return undefined;
  }
}
