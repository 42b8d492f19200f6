/**
 * The files of docs/events/: one `<event type>.json` schema per event type and a README indexing
 * them. Rendered here so the writer and the test that checks the committed files agree.
 */
import { RESOURCES } from '@keystream/api';
import { buildEventSchemas, eventVerbsOf } from '../cloudevents/eventSchemas.js';
import { cloudEventTypeOf } from '../cloudevents/keystreamCloudEvent.js';

/** File name → content of every file in docs/events/. */
export function eventSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [type, schema] of buildEventSchemas()) files.set(`${type}.json`, `${JSON.stringify(schema, null, 2)}\n`);
  const rows = RESOURCES.map((resource) => `| ${resource.kind} | ${eventVerbsOf(resource.kind).map((verb) => `[\`${cloudEventTypeOf(resource.kind, verb)}\`](${cloudEventTypeOf(resource.kind, verb)}.json)`).join('<br>')} |`);
  files.set(
    'README.md',
    [
      '# Event schemas',
      '',
      'Generated from the contract by `npm run event-schemas`; do not edit (a test fails when they are stale).',
      'One JSON Schema (draft 2020-12) per CloudEvents `type`, describing the event in the CloudEvents JSON',
      'format (the NDJSON file and Kafka structured mode); in Kafka binary mode the same attributes are',
      '`ce_*` headers and `data` is the message value. The format is described in ../eventstream.md.',
      '',
      '| resource | event types |',
      '|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
  return files;
}
