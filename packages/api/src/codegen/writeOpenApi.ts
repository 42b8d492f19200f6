/**
 * Writes the OpenAPI document generated from the contract: `npm run openapi` → docs/openapi.json.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocument } from '../openapi/openApiDocument.js';

const target = path.resolve(process.argv[2] ?? 'docs/openapi.json');
const document = buildOpenApiDocument();
writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
const operations = Object.values(document['paths'] as Record<string, object>).reduce((total, item) => total + Object.keys(item).length, 0);
process.stdout.write(`wrote ${target}: ${operations} operations\n`);
