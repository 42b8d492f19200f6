/**
 * In-memory stand-ins for the event store, for unit specs of consumers' control flow: a scripted
 * `$all` subscription, an event store that answers subscribeToAll with it, and recorded events.
 */
import type { AllSubscription, EventStore, Position, RecordedEvent, SubscriptionMessage } from '@keystream/eventstore';

/** The embedded store's position form: a sequence number as 16 hex digits. */
export function positionAt(sequence: number): Position {
  return sequence.toString(16).padStart(16, '0');
}

/** A recorded event at sequence `sequence` of the stream `Thing-things/<id>`. */
export function recordedEvent(sequence: number, id = `t${sequence}`): RecordedEvent {
  return {
    id: `event-${sequence}`,
    type: 'ThingCreated',
    stream: `Thing-things/${id}`,
    revision: 0,
    position: positionAt(sequence),
    data: { resource: { name: `things/${id}` } },
    metadata: { actor: 'user:test@example.com', requestId: `r${sequence}`, correlationId: `r${sequence}`, causationId: `r${sequence}`, occurredAt: '2024-01-02T03:04:05Z', schema: 1 },
  };
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
  throw new Error(`${what} is not used by a consumer`);
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
