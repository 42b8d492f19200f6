import { expect } from 'chai';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OutboxNotifier, outboxPathOf, readOutbox } from './outboxNotifier.js';

describe('OutboxNotifier', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'keystream-outbox-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('appends each notification, rendered in its language, to a file only its owner can read', async () => {
    const notifier = new OutboxNotifier(outboxPathOf(directory));
    await Promise.all(
      Array.from({ length: 20 }, (_unused, index) =>
        notifier.send({
          id: `n${index}`,
          template: 'project-invitation',
          to: `user${index}@example.com`,
          languageCode: index % 2 === 0 ? 'de-AT' : 'xx',
          values: { inviter: 'alice@example.com', scope: 'projects/p1', scopeTitle: 'Apollo', code: `code-${index}`, expires: '2026-01-09' },
          extras: { team: 'blue' },
        }),
      ),
    );
    await notifier.close();
    const entries = await readOutbox(outboxPathOf(directory));
    expect(entries.map((entry) => entry.id)).to.deep.equal(Array.from({ length: 20 }, (_unused, index) => `n${index}`));
    expect(entries[0]?.language).to.equal('de');
    expect(entries[0]?.subject).to.equal('alice@example.com hat Sie zum Projekt Apollo eingeladen');
    expect(entries[1]?.language).to.equal('en');
    expect(entries[1]?.text).to.contain('code-1').and.contain('team: blue');
    expect((await stat(outboxPathOf(directory))).mode & 0o777).to.equal(0o600);
  });

  it('reads a missing outbox as empty', async () => {
    expect(await readOutbox(path.join(directory, 'none.ndjson'))).to.deep.equal([]);
  });
});
