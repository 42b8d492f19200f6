/**
 * Security suite, denial-of-service classes, against a real keystream process: a LIKE built to
 * make a backtracking regex explode, deep nesting, oversized strings, lists and maps — each
 * refused or answered without stalling the server (health checks keep answering meanwhile).
 */
import { expect } from 'chai';
import { expectError } from './support/expectError.js';
import { MIN_POSITION_HEADER } from './support/resourceFixtures.js';
import { useKeystream } from './support/useKeystream.js';

describe('security (e2e)', () => {
  const suite = useKeystream();

  describe('having LIKE patterns built for catastrophic backtracking', () => {
    it('should answer Lists and Searches of long values at once, while /healthz keeps answering', async () => {
      const marker = `t${Date.now().toString(36)}`;
      let written = '';
      for (const index of [0, 1, 2]) written = (await suite.fixtures.create('Project', { fields: { title: `${marker}${'a'.repeat(4000)}${index}` } })).position;
      // Read at the last write's position: the read model is eventually consistent, and an empty
      // answer below would prove nothing if the projects were not in it yet.
      const atWrite = { headers: { [MIN_POSITION_HEADER]: written } };
      for (const pattern of ['%a%a%a%a%a%b', `${'%a'.repeat(40)}%b`, `%${'_%'.repeat(40)}b`, '%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%c%']) {
        for (const method of ['list', 'search']) {
          const filter = `title LIKE "${marker}${pattern}"`;
          const [answer, health] = await Promise.all([
            method === 'list' ? suite.client.call('ListProjects', { filter }, atWrite) : suite.client.call('SearchProjects', { filter }, atWrite),
            fetch(`${suite.server.url}/healthz`),
          ]);
          expect(answer.status, `${method} ${pattern}: ${JSON.stringify(answer.body).slice(0, 200)}`).to.equal(200);
          expect(answer.body['projects'] ?? []).to.deep.equal([]);
          expect(health.status).to.equal(200);
        }
      }
      const matching = await suite.client.call('ListProjects', { filter: `title LIKE "${marker}%a%a%a%1"` }, atWrite);
      expect((matching.body['projects'] as unknown[]).length, `marker ${marker}`).to.equal(1);
    });
  });

  describe('having requests over the limits', () => {
    it('should refuse deep nesting, huge strings, lists, maps and keys with 400 naming the field, and store nothing', async () => {
      const project = await suite.fixtures.create('Project');
      let deep: unknown = 'x';
      for (let level = 0; level < 2000; level += 1) deep = { k: deep };
      const cases: readonly (readonly [string, string, unknown])[] = [
        ['POST', `/v1/${project.name}/conditions`, { condition: { displayName: 'c', ipCondition: { allowedCidrs: ['10.0.0.0/8'] }, metadata: { labels: { a: 'b' } } }, deep }],
        ['POST', `/v1/${project.name}/roleBindings`, { roleBinding: { role: 'services/iam.edgelq.com/roles/scope-viewer', member: 'user:a@b.c', executableConditions: [{ condition: `${project.name}/conditions/c`, params: { deep } }] } }],
        ['POST', `/v1/${project.name}/groups`, { group: { displayName: 'g', metadata: { labels: { a: 'x'.repeat(1024 * 1024 - 100) } } } }],
        ['POST', `/v1/${project.name}/groups`, { group: { displayName: 'g', metadata: { labels: Object.fromEntries(Array.from({ length: 5000 }, (_u, i) => [`k${i}`, 'v'])) } } }],
        ['POST', `/v1/${project.name}/groups`, { group: { displayName: 'g', metadata: { labels: { ['k'.repeat(100_000)]: 'v' } } } }],
        ['POST', `/v1/${project.name}/groups`, { group: { displayName: 'g', metadata: { labels: { 'a\u0000b': 'v' } } } }],
        ['POST', `/v1/${project.name}/roles`, { role: { displayName: 'r', grants: [{ permissions: Array.from({ length: 20_000 }, (_u, i) => `services/s/permissions/p${i}`) }] } }],
        ['PUT', `/v1/${project.name}`, { name: project.name, title: 't'.repeat(100_000) }],
      ];
      for (const [method, path, body] of cases) {
        const answer = await suite.client.send(method, path, body);
        expect([400, 413], `${path}: ${JSON.stringify(answer.body).slice(0, 300)}`).to.include(answer.status);
        if (answer.status === 400) {
          expectError(answer, 400, 'INVALID_ARGUMENT');
          // Refused for its size or depth, not for anything else about it.
          expect(JSON.stringify(answer.body), path).to.match(/at most|nested deeper|control character/);
        }
      }
      const groups = await suite.client.send('GET', `/v1/${project.name}/groups`);
      expect(groups.body['groups'] ?? []).to.deep.equal([]);
    });
  });
});
