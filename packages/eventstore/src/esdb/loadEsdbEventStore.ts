/**
 * The EventStoreDB adapter, loaded when a process is configured to use it: its client (gRPC and
 * protobuf code) takes about a tenth of a second to load, which every process on the embedded
 * default would otherwise pay at each start.
 */
import type { EsdbEventStore, EsdbEventStoreOptions } from './esdbEventStore.js';

/** Loads the adapter and connects (the connection itself is made lazily by the client). */
export async function loadEsdbEventStore(options: EsdbEventStoreOptions): Promise<EsdbEventStore> {
  const adapter = await import('./esdbEventStore.js');
  return adapter.connectEsdbEventStore(options);
}
