import { KeystreamError } from '@keystream/api';
import type { ApplyBatch } from './readStore.js';

/** Argument checks shared by adapters, so a bad batch fails the same way everywhere. */
export function validateBatch(batch: ApplyBatch): void {
  for (const write of batch.writes) {
    if (write.kind === '' || write.kind.includes('\u0000') || write.name === '' || write.name.includes('\u0000')) {
      throw new KeystreamError('INVALID_ARGUMENT', `write for kind "${write.kind}" name "${write.name}": kind and name must be non-empty and free of NUL`);
    }
    if (write.position === '') throw new KeystreamError('INVALID_ARGUMENT', `write for ${write.kind} "${write.name}" has no position; every write carries its event's position`);
    if (write.op === 'put' && write.document['name'] !== write.name) {
      throw new KeystreamError('INVALID_ARGUMENT', `document for ${write.kind} "${write.name}" has name ${JSON.stringify(write.document['name'])}; documents are keyed by their own name`);
    }
  }
}
