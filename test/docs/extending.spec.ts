/**
 * docs/extending.md stays true: every code excerpt it quotes (a fenced block right after an
 * `<!-- excerpt: path -->` line) still occurs word for word in the file it names.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const EXCERPT = /<!-- excerpt: (\S+) -->\n```ts\n([\s\S]*?)\n```/g;

describe('docs/extending.md', () => {
  const text = readFileSync(path.join(repositoryRoot, 'docs/extending.md'), 'utf8');
  const excerpts = [...text.matchAll(EXCERPT)].map(([, file, code]) => ({ file: file as string, code: code as string }));

  it('should quote code from the repository for each of its three topics', () => {
    expect(excerpts.length).to.be.greaterThan(10);
    const files = new Set(excerpts.map((excerpt) => excerpt.file));
    for (const file of ['services/api/src/application/handlerRegistry.ts', 'packages/api/src/resources/resourceRegistry.ts', 'services/api/src/application/commandEnvelope.ts']) {
      expect(files, file).to.include(file);
    }
  });

  it('should quote every excerpt exactly as it stands in the file it names', () => {
    const stale = excerpts.filter(({ file, code }) => !readFileSync(path.join(repositoryRoot, file), 'utf8').includes(code));
    expect(stale.map(({ file, code }) => `${file}: ${code.split('\n')[0] ?? ''}`)).to.deep.equal([]);
  });
});
