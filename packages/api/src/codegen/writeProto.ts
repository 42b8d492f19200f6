/**
 * Writes the `.proto` files of ntt.iam.v1 rendered from the contract and the upstream wire tables:
 * `npm run proto` → docs/proto/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderProtoFiles } from './protoFiles.js';

const root = path.resolve(process.argv[2] ?? 'docs/proto');
const files = renderProtoFiles();
for (const [file, text] of files) {
  const target = path.join(root, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, text);
}
process.stdout.write(`wrote ${files.size} files under ${root}\n`);
