/**
 * The relay's checkpoint store. It lives in the relay's own LMDB environment; until the relay has
 * stored a checkpoint there, the position it left in the read store (where earlier builds kept
 * it) is taken over, so upgrading does not republish the whole log. The read store is only
 * read, never written: once the relay stores its first checkpoint, the read store no longer matters.
 */
import type { CheckpointStore } from '@keystream/consumer';
import type { ReadStore } from '@keystream/readstore';

/** `own`, falling back on first load to the checkpoint called `name` in `legacy`. */
export function relayCheckpoints(own: CheckpointStore, legacy: Pick<ReadStore, 'checkpoint'>, name: string): CheckpointStore {
  return {
    async load() {
      return (await own.load()) ?? (await legacy.checkpoint(name));
    },
    save: (position) => own.save(position),
  };
}
