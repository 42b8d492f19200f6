/**
 * Reads the whole change log of a read store up to its head, for exactly-once assertions.
 */
import { withDeadline } from '@keystream/eventstore/testing';
import { START_POSITION } from '@keystream/eventstore';
import type { ChangeLogEntry, ReadStore } from '@keystream/readstore';

/** Every change-log entry up to the store's current head, in order. */
export async function readChangeLog(store: ReadStore, deadlineMs = 10_000): Promise<ChangeLogEntry[]> {
  const head = await store.head();
  const entries: ChangeLogEntry[] = [];
  if (head === START_POSITION) return entries;
  const feed = store.changesSince(START_POSITION);
  try {
    await withDeadline(
      (async () => {
        for await (const batch of feed) {
          entries.push(...batch);
          if (batch[batch.length - 1]?.position === head) return;
        }
      })(),
      deadlineMs,
      `reading the change log up to ${head}`,
    );
  } finally {
    await feed.close();
  }
  return entries;
}
