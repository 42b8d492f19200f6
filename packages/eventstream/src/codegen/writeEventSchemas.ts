/**
 * Writes the event schemas generated from the contract: `npm run event-schemas` → docs/events/.
 * Files of event types that no longer exist are removed.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { eventSchemaFiles } from './eventSchemaFiles.js';

const target = path.resolve(process.argv[2] ?? 'docs/events');
const files = eventSchemaFiles();
mkdirSync(target, { recursive: true });
for (const stale of readdirSync(target)) if (!files.has(stale)) rmSync(path.join(target, stale));
for (const [name, content] of files) writeFileSync(path.join(target, name), content);
process.stdout.write(`wrote ${target}: ${files.size - 1} event schemas\n`);
