/**
 * `starting_time` → the change-log position to replay after.
 *
 * The ReadStore port has no time index, so this scans the retained log from its oldest entry
 * (recordedAt is non-decreasing in position order). docs/watch.md proposes a `positionAt(time)`
 * store method backed by the `{recordedAt: 1}` index the MongoDB adapter already has.
 */
import { isChangeLogExpiredError, type Position, type ReadStore } from '@keystream/readstore';
import { comparePositions } from '@keystream/kernel';

/** The position after which replay starts, or null when `time` is older than retention. */
export async function positionBeforeTime(store: ReadStore, time: number): Promise<Position | null> {
  const head = await store.head();
  let from: Position = '';
  let pruned = false;
  for (;;) {
    const feed = store.changesSince(from);
    try {
      let previous = from;
      let first = true;
      if (comparePositions(from, head) >= 0) return head;
      for await (const batch of feed) {
        for (const entry of batch) {
          if (entry.recordedAt >= time) return first && pruned ? null : previous;
          first = false;
          previous = entry.position;
        }
        if (comparePositions(previous, head) >= 0) return previous;
      }
      return previous;
    } catch (error) {
      if (!isChangeLogExpiredError(error) || pruned) throw error;
      // The oldest entries are gone: scan from the prune watermark; a time before the first
      // retained entry is then older than retention.
      from = error.prunedThrough;
      pruned = true;
    } finally {
      await feed.close();
    }
  }
}
