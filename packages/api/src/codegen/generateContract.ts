/**
 * Regenerates `packages/api/src/generated/` from the API reference.
 *
 * Usage: `npm run generate` (or `tsx packages/api/src/codegen/generateContract.ts [spec-path]`).
 * The default spec path is `../shared/spec/004_e751b87f62e13467.txt` next to the repository.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSchemas, renderSpecModel } from './renderContract.js';
import { parseSpec } from './specParser.js';
import { defaultSpecPath } from './specLocation.js';

const generatedDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../generated');
const specPath = process.argv[2] ?? defaultSpecPath();
const model = parseSpec(readFileSync(specPath, 'utf8'));
writeFileSync(path.join(generatedDirectory, 'specModel.ts'), renderSpecModel(model));
writeFileSync(path.join(generatedDirectory, 'schemas.ts'), renderSchemas(model));
process.stdout.write(
  `generated from ${specPath}: ${model.resources.length} resources, ${model.methods.length} methods, ` +
    `${model.messages.length} messages, ${model.enums.length} enums\n`,
);
