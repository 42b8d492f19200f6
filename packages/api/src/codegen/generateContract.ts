/**
 * Regenerates `packages/api/src/generated/` from the API reference and its wire tables.
 *
 * Usage: `npm run generate` (or `tsx packages/api/src/codegen/generateContract.ts [spec-path]`).
 * The default spec path is `../shared/spec/004_e751b87f62e13467.txt` next to the repository; the
 * wire tables are read from `upstream/` beside it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderContractFiles } from './contractFiles.js';
import { defaultSpecPath } from './specLocation.js';
import { readUpstreamTables } from './upstreamTables.js';

const generatedDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../generated');
const specPath = process.argv[2] ?? defaultSpecPath();
const tablesDirectory = path.join(path.dirname(specPath), 'upstream');
const { model, wire, files } = renderContractFiles(readFileSync(specPath, 'utf8'), readUpstreamTables(tablesDirectory));
for (const [name, text] of Object.entries(files)) writeFileSync(path.join(generatedDirectory, name), text);
process.stdout.write(
  `generated from ${specPath} and ${tablesDirectory}: ${model.resources.length} resources, ${model.methods.length} methods, ` +
    `${model.messages.length} messages, ${model.enums.length} enums, ${wire.rules.length} validation rules, ` +
    `${wire.extraRoutes.length} extra bindings\n`,
);
