/**
 * In-memory stand-ins for the two ports, for unit specs of the projector's control flow: a
 * scripted `$all` subscription and a read store that records the batches it is given.
 */
import { KeystreamError } from '@keystream/api';
import type { AllSubscription, EventStore, Position, RecordedEvent, SubscriptionMessage } from '@keystream/eventstore';
import type { ApplyBatch, ApplyResult, ChangeFeed, ReadStore } from '@keystream/readstore';
import { lifecycleEvent, project } from './resourceEvents.js';

/** The embedded store's position form: a sequence number as 16 hex digits. */
export function positionAt(sequence: number): Position {
  return sequence.toString(16).padStart(16, '0');
}

/** A recorded `ProjectCreated` at sequence `sequence`. */
export function recordedProject(sequence: number, id = `p${sequence}`): RecordedEvent {
  const event = lifecycleEvent('Project', 'Created', project(id, `title ${sequence}`), '2024-01-02T03:04:05Z');
  return { ...event, stream: `Project-projects/${id}`, revision: 0, position: positionAt(sequence) };
}

/** How a scripted subscription ends once its messages are out. */
export type ScriptEnd = 'hang' | 'end' | Error;

/** A subscription that yields `messages`, then hangs until closed, ends, or throws. */
export function scriptedSubscription(messages: readonly SubscriptionMessage[], end: ScriptEnd = 'hang'): AllSubscription & { readonly closed: boolean } {
  let closed = false;
  let wake: (() => void) | undefined;
  const closedSignal = new Promise<void>((resolve) => {
    wake = resolve;
  });
  async function* generate(): AsyncGenerator<SubscriptionMessage> {
    for (const message of messages) {
      if (closed) return;
      yield message;
    }
    if (end === 'end') return;
    if (end instanceof Error) throw end;
    await closedSignal;
  }
  return {
    get closed() {
      return closed;
    },
    [Symbol.asyncIterator]: generate,
    close(): Promise<void> {
      closed = true;
      wake?.();
      return Promise.resolve();
    },
  };
}

function unused(what: string): never {
  throw new Error(`${what} is not used by the projector`);
}

/** An event store whose `subscribeToAll` calls are answered by `subscribe` (call index from 0). */
export class ScriptedEventStore implements EventStore {
  /** The `fromPosition` of every subscribeToAll call. */
  readonly subscribedFrom: Position[] = [];
  head: Position = '';

  constructor(private readonly subscribe: (call: number, from: Position) => AllSubscription) {}

  subscribeToAll(fromPosition: Position): AllSubscription {
    this.subscribedFrom.push(fromPosition);
    return this.subscribe(this.subscribedFrom.length - 1, fromPosition);
  }

  headPosition(): Promise<Position> {
    return Promise.resolve(this.head);
  }

  append(): never {
    return unused('append');
  }

  readonly atomicMultiStream = true;

  appendToStreams(): never {
    return unused('appendToStreams');
  }

  readStream(): never {
    return unused('readStream');
  }

  readAll(): never {
    return unused('readAll');
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
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
