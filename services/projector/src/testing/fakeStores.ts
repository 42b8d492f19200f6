/**
 * In-memory stand-ins for the two ports, for unit specs of the projector's control flow: a
 * scripted `$all` subscription and a read store that records the batches it is given.
 */
import { KeystreamError } from '@keystream/api';
import { positionAt } from '@keystream/consumer/testing';
import type { Position, RecordedEvent } from '@keystream/eventstore';
import type { ApplyBatch, ApplyResult, ChangeFeed, ReadStore } from '@keystream/readstore';
import { lifecycleEvent, project } from './resourceEvents.js';

export { ScriptedEventStore, positionAt, scriptedSubscription } from '@keystream/consumer/testing';
export type { ScriptEnd } from '@keystream/consumer/testing';

/** A recorded `ProjectCreated` at sequence `sequence`. */
export function recordedProject(sequence: number, id = `p${sequence}`): RecordedEvent {
  const event = lifecycleEvent('Project', 'Created', project(id, `title ${sequence}`), '2024-01-02T03:04:05Z');
  return { ...event, stream: `Project-projects/${id}`, revision: 0, position: positionAt(sequence) };
}

function unused(what: string): never {
  throw new Error(`${what} is not used by the projector`);
}

/** A read store that keeps the batches it is given and the checkpoints they carry. */
export class RecordingReadStore implements ReadStore {
  readonly batches: ApplyBatch[] = [];
  readonly checkpoints = new Map<string, Position>();
  /** Makes checkpoint() fail, for start-up failure tests. */
  checkpointError: Error | undefined;

  apply(batch: ApplyBatch): Promise<ApplyResult> {
    this.batches.push(batch);
    if (batch.checkpoint !== undefined) this.checkpoints.set(batch.checkpoint.projector, batch.checkpoint.position);
    return Promise.resolve({ applied: batch.writes.length, skipped: 0 });
  }

  checkpoint(projector: string): Promise<Position | undefined> {
    if (this.checkpointError !== undefined) return Promise.reject(this.checkpointError);
    return Promise.resolve(this.checkpoints.get(projector));
  }

  /** Document writes in each committed batch. */
  get writeCounts(): number[] {
    return this.batches.map((batch) => batch.writes.length);
  }

  get(): never {
    return unused('get');
  }

  batchGet(): never {
    return unused('batchGet');
  }

  query(): never {
    return unused('query');
  }

  count(): never {
    return unused('count');
  }

  head(): never {
    return unused('head');
  }

  changesSince(): ChangeFeed {
    return unused('changesSince');
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A permanent subscription failure (a closed store says FAILED_PRECONDITION). */
export function closedStoreError(): KeystreamError {
  return new KeystreamError('FAILED_PRECONDITION', 'the event store is closed');
}
