/**
 * `Watch<Kind>`: the resource's current state, then every visible change, `Removed` on delete (the
 * watch goes on: a re-created resource is sent as `Current` again). A resource that does not exist
 * (or may not be seen) when the watch opens is NOT_FOUND, like Get. When the principal loses the
 * right to see it mid-watch it is `Removed`; when it gains it back, `Current` again.
 */
import { KeystreamError } from '@keystream/api';
import type { ChangeLogEntry, JsonObject, Position } from '@keystream/readstore';
import { diffPaths } from '@keystream/resource';
import { comparePositions, laterPosition } from '@keystream/kernel';
import type { SingleResourcePlan } from './watchPlan.js';
import { isResetCause, WatchRunner } from './watchRunner.js';

export class SingleResourceWatch extends WatchRunner<SingleResourcePlan> {
  /** What the client holds: the projected document, null after Removed, undefined before anything. */
  private shown: JsonObject | null | undefined;

  protected override isRelevant(entry: ChangeLogEntry): boolean {
    return entry.name === this.plan.name;
  }

  protected async run(): Promise<void> {
    for (;;) {
      try {
        await this.follow();
        return;
      } catch (error) {
        // The client's state is known exactly, so a reset needs no message: the next state is diffed against it.
        if (!isResetCause(error) || this.closed) throw error;
      }
    }
  }

  private async follow(): Promise<void> {
    const { store } = this.context;
    const { descriptor, name } = this.plan;
    const p1 = await store.head();
    this.subscribe(p1);
    this.markAuthorizationSeen();
    const stored = await store.get(descriptor.kind, name);
    const visible = stored !== undefined && this.matcher.matches(stored.document);
    if (!visible && this.shown === undefined) throw new KeystreamError('NOT_FOUND', `${descriptor.kind} ${name} does not exist`);
    let position: Position = stored?.position ?? '';
    await this.show(visible ? (stored.document) : null);
    for (;;) {
      // Checked before waiting too: a move seen before the wait has no nudge left to wake it.
      if (this.authorizationMoved()) {
        position = await this.reauthorize(position);
        continue;
      }
      for (const entry of await this.take()) {
        if (entry.name !== name || comparePositions(entry.position, position) <= 0) continue;
        position = entry.position;
        await this.show(this.matcher.matches(entry.after) ? (entry.after) : null);
      }
    }
  }

  /** The rights moved: shows the stored state as the principal may see it now; returns its position. */
  private async reauthorize(position: Position): Promise<Position> {
    this.markAuthorizationSeen();
    const stored = await this.context.store.get(this.plan.descriptor.kind, this.plan.name);
    this.assertOpen();
    // The store is at or ahead of the tail: entries at or below its position are already in it.
    await this.show(stored !== undefined && this.matcher.matches(stored.document) ? stored.document : null);
    return stored === undefined ? position : laterPosition(position, stored.position);
  }

  private async show(document: JsonObject | null): Promise<void> {
    if (document === null) {
      if (this.shown === null) return;
      this.shown = null;
      await this.emit(this.responses.single(this.responses.removed(this.plan.name)));
      return;
    }
    const projected = this.responses.project(document);
    if (this.shown !== undefined && this.shown !== null && diffPaths(this.plan.descriptor.message, this.shown, projected).length === 0) return;
    this.shown = projected;
    await this.emit(this.responses.single(this.responses.current(projected)));
  }
}
