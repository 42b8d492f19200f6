import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { keptFile } from './keptFile.js';

describe('keptFile', () => {
  it('makes the file once and answers the same content after, leaving no temporary file', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'keystream-kept-'));
    try {
      const file = path.join(directory, 'nested', 'key');
      const first = keptFile(file, () => 'first').toString();
      const second = keptFile(file, () => 'second').toString();
      expect([first, second]).to.deep.equal(['first', 'first']);
      expect(await readdir(path.dirname(file))).to.deep.equal(['key']);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('gives processes starting at the same moment one whole content', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'keystream-kept-'));
    try {
      const file = path.join(directory, 'key');
      const script = `import('${new URL('./keptFile.ts', import.meta.url).href}').then(({ keptFile }) => process.stdout.write(keptFile(process.argv[1], () => 'x'.repeat(200000) + process.pid).toString()))`;
      const run = (): Promise<string> =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
          const chunks: Buffer[] = [];
          child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
          child.once('exit', (code) => {
            if (code === 0) resolve(Buffer.concat(chunks).toString());
            else reject(new Error(`exit ${String(code)}`));
          });
        });
      const seen = await Promise.all(Array.from({ length: 6 }, run));
      expect(new Set(seen).size).to.equal(1);
      expect(seen[0]).to.have.length.greaterThan(200000);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
