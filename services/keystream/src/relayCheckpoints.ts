/**
 * The relay's checkpoint store. It lives in the relay's own LMDB environment; until the relay has
 * stored a checkpoint there, the position it left in the read store (where earlier builds kept
 * it) is taken over, so upgrading does not republish the whole log; it is copied into the relay's
 * environment when taken over. The read store is only read, never written.
 */
import type { CheckpointStore } from '@keystream/consumer';
import type { ReadStore } from '@keystream/readstore';

/** `own`, falling back on first load to the checkpoint called `name` in `legacy`. */
export function relayCheckpoints(own: CheckpointStore, legacy: Pick<ReadStore, 'checkpoint'>, name: string): CheckpointStore {
  return {
    async load() {
      const stored = await own.load();
      if (stored !== undefined) return stored;
      const left = await legacy.checkpoint(name);
      // Copied at once, so a read-model rebuild right after the upgrade cannot lose it.
      if (left !== undefined) await own.save(left);
      return left;
    },
    save: (position) => own.save(position),
  };
}
