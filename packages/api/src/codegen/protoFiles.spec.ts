import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWireTables, renderProtoFiles } from './protoFiles.js';

const PROTO_ROOT = fileURLToPath(new URL('../../../../docs/proto', import.meta.url));

function committedFiles(directory: string, prefix = ''): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const full = path.join(directory, entry);
    return statSync(full).isDirectory() ? committedFiles(full, `${prefix}${entry}/`) : [`${prefix}${entry}`];
  });
}

describe('the generated .proto files', () => {
  const tables = readWireTables();
  const files = renderProtoFiles(tables);

  it('should match the committed docs/proto (run `npm run proto` when this fails)', () => {
    expect(committedFiles(PROTO_ROOT).sort()).to.deep.equal([...files.keys()].sort());
    for (const [file, text] of files) expect(readFileSync(path.join(PROTO_ROOT, file), 'utf8') === text, `docs/proto/${file} is stale`).to.equal(true);
  });

  it('should refuse to render when rpcs.tsv names an RPC the contract does not have', () => {
    const [first] = tables.bindings;
    if (first === undefined) throw new Error('rpcs.tsv is empty');
    const extra = { ...tables, bindings: [...tables.bindings, { ...first, rpc: 'FrobnicateGroups' }] };
    expect(() => renderProtoFiles(extra)).to.throw(/not in the contract FrobnicateGroups/);
  });
});
