/**
 * Reads back a file written by the NDJSON adapter. A crash in the middle of an append can leave a
 * last line without its newline; that partial line is not an acknowledged event, so it is skipped.
 */
import { readFile } from 'node:fs/promises';
import type { KeystreamCloudEvent } from '../cloudevents/keystreamCloudEvent.js';

/** Every complete event line of the file (CloudEvents JSON format), in file order (an absent file reads as empty). */
export async function readNdjsonEvents(filePath: string): Promise<KeystreamCloudEvent[]> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as KeystreamCloudEvent);
}
