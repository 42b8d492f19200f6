/**
 * A stateless watch (`type: STATELESS`): `Current`/`Removed` changes, chunked, each committed
 * series carrying a resume token; hard reset and fresh snapshot when the feed is lost, the token
 * expired or the client fell too far behind.
 *
 * Snapshot consistency: head P1, subscribe after P1, query, head P2, then fold the entries in
 * (P1, P2] into the snapshot (skipping entries at or below a document's own position) before
 * sending it: the snapshot is exactly the store at P2, and P2 is its resume token. After P2 a
 * change's `before` is what the client holds, so membership is decided from before/after alone
 * and the watch keeps no per-document state.
 */
import type { ChangeLogEntry, JsonObject, Position } from '@keystream/readstore';
import { diffPaths, maskTouches } from '@keystream/resource';
import { comparePositions, laterPosition } from './positions.js';
import { encodeResumeToken } from './resumeToken.js';
import { positionBeforeTime } from './startingPosition.js';
import type { StatelessPlan } from './watchPlan.js';
import { isResetCause, WatchRunner } from './watchRunner.js';

type Start = { readonly kind: 'snapshot' } | { readonly kind: 'resume'; readonly after: Position } | { readonly kind: 'time'; readonly time: number };

export class StatelessWatch extends WatchRunner<StatelessPlan> {
  /** Documents the client holds, when known (after a snapshot); undefined after a resume. */
  private count: number | undefined;
  private changesSinceSize = 0;

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
        if (start.kind === 'snapshot') await this.snapshot();
        else await this.resume(start.after);
        await this.tail();
        return;
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
    const { store } = this.context;
    const kind = this.plan.descriptor.kind;
    const p1 = await store.head();
    const subscription = this.subscribe(p1);
    const result = await store.query(kind, { filter: this.plan.selection });
    const p2 = await store.head();
    const documents = new Map<string, JsonObject>();
    const positions = new Map<string, Position>();
    for (const stored of result.documents) {
      positions.set(stored.name, stored.position);
      if (this.matcher.matches(stored.document)) documents.set(stored.name, stored.document);
    }
    await subscription.reached(p2);
    this.assertOpen();
    for (const entry of this.queue.takeWhile((candidate) => comparePositions(candidate.position, p2) <= 0)) {
      const own = positions.get(entry.name);
      if (own !== undefined && comparePositions(entry.position, own) <= 0) continue;
      positions.set(entry.name, entry.position);
      if (this.matcher.matches(entry.after)) documents.set(entry.name, entry.after as JsonObject);
      else documents.delete(entry.name);
    }
    const names = [...documents.keys()].sort();
    const changes = names.map((name) => this.responses.current(this.responses.project(documents.get(name) as JsonObject)));
    await this.emitSeries(changes, this.plan.maxChunkSize, { resumeToken: encodeResumeToken(p2) });
    this.committed = p2;
    this.count = documents.size;
    this.changesSinceSize = 0;
    await this.emit(this.responses.snapshotSize(this.count));
  }

  private async resume(after: Position): Promise<void> {
    const subscription = this.subscribe(after);
    // Fails here (ChangeLogExpiredError → hard reset) when the token is older than retention.
    await subscription.reached(this.context.hub.position);
    this.count = undefined;
    this.committed = after;
    await this.emit(this.responses.many([], { isCurrent: true, resumeToken: encodeResumeToken(after) }));
  }

  private async tail(): Promise<void> {
    for (;;) {
      const entries = await this.take();
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
        continue;
      }
      this.committed = position;
      await this.emitSeries(changes, this.plan.maxChunkSize, { resumeToken: encodeResumeToken(position) });
      this.changesSinceSize += changes.length;
      if (this.count !== undefined && this.changesSinceSize >= this.context.snapshotSizeInterval) {
        this.changesSinceSize = 0;
        await this.emit(this.responses.snapshotSize(this.count));
      }
    }
  }

  /** The change the client sees for one entry, if any; keeps the count. */
  private changeOf(entry: ChangeLogEntry): JsonObject | undefined {
    const before = this.matcher.matches(entry.before);
    const after = this.matcher.matches(entry.after);
    if (after) {
      const document = entry.after as JsonObject;
      if (before && !maskTouches(this.plan.mask, diffPaths(this.plan.descriptor.message, entry.before as JsonObject, document))) return undefined;
      if (!before && this.count !== undefined) this.count += 1;
      return this.responses.current(this.responses.project(document));
    }
    if (before) {
      if (this.count !== undefined) this.count -= 1;
      return this.responses.removed(entry.name);
    }
    return undefined;
  }
}
