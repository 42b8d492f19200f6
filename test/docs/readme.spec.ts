/**
 * The README's first-call example works as written: its token command and its curl calls are read
 * from the README itself and run against a real `keystream start` (on a free port instead of 8080,
 * and the token command run from source instead of dist/).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKeystreamChild, stopKeystreamChild, type KeystreamChild } from '../support/keystreamProcess.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Splits a shell line into words, honouring single and double quotes and expanding `$NAME`. */
function shellWords(line: string, variables: Readonly<Record<string, string>>): string[] {
  const words: string[] = [];
  const pattern = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of line.matchAll(pattern)) {
    const [, single, double, bare] = match;
    const expand = (text: string): string => text.replace(/\$([A-Z_]+)/g, (_whole, name: string) => variables[name] ?? '');
    words.push(single ?? expand(double ?? bare ?? ''));
  }
  return words;
}

interface CurlCall {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

function parseCurl(words: readonly string[]): CurlCall {
  let method = 'GET';
  let url = '';
  let body: string | undefined;
  const headers: Record<string, string> = {};
  for (let index = 1; index < words.length; index++) {
    const word = words[index] as string;
    if (word === '-s') continue;
    if (word === '-X') method = words[++index] as string;
    else if (word === '-H') {
      const [name, ...value] = (words[++index] as string).split(':');
      headers[(name as string).trim().toLowerCase()] = value.join(':').trim();
    } else if (word === '-d') body = words[++index];
    else url = word;
  }
  return { method, url, headers, ...(body === undefined ? {} : { body }) };
}

describe('the README', function () {
  this.timeout(60_000);
  let child: KeystreamChild | undefined;
  let dataDirectory: string;

  before(() => {
    dataDirectory = mkdtempSync(path.join(tmpdir(), 'keystream-readme-'));
  });

  after(async () => {
    if (child) await stopKeystreamChild(child);
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  it('should get a token and make the first calls exactly as it shows', async () => {
    const readme = readFileSync(path.join(repositoryRoot, 'README.md'), 'utf8');
    const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] as string).find((text) => text.includes('TOKEN=$('));
    expect(block, 'the README has a first-call example').to.be.a('string');
    const lines = (block as string).trim().split('\n');

    child = await startKeystreamChild(dataDirectory);
    const tokenCommand = /^TOKEN=\$\(node services\/keystream\/dist\/cli\.js (token .*)\)$/.exec(lines[0] as string);
    expect(tokenCommand, lines[0]).to.not.equal(null);
    const token = execFileSync(process.execPath, ['--import', 'tsx', '--conditions=keystream-source', 'services/keystream/src/cli.ts', ...shellWords(tokenCommand![1] as string, {})], {
      cwd: repositoryRoot,
      env: { ...process.env, KEYSTREAM_DATA_DIR: dataDirectory, KEYSTREAM_GRPC_PORT: 'auto' },
      encoding: 'utf8',
    }).trim();

    const answers: { status: number; body: Record<string, unknown> }[] = [];
    let lastPosition = '';
    for (const line of lines.slice(1)) {
      const call = parseCurl(shellWords(line, { TOKEN: token }));
      const url = `${child.url}${call.url.replace(/^localhost:8080/, '')}`;
      const response = await fetch(url, {
        method: call.method,
        headers: { ...call.headers, ...(lastPosition === '' ? {} : { 'x-keystream-min-position': lastPosition }), connection: 'close' },
        ...(call.body === undefined ? {} : { body: call.body }),
      });
      lastPosition = response.headers.get('x-keystream-min-position') ?? lastPosition;
      answers.push({ status: response.status, body: (await response.json()) as Record<string, unknown> });
    }
    expect(answers.map((answer) => answer.status)).to.deep.equal([200, 200]);
    const created = answers[0]!.body;
    expect(created).to.deep.include({ title: 'Payments' });
    expect((answers[1]!.body['projects'] as { name: string }[]).map((project) => project.name)).to.include(created['name']);
  });
});
