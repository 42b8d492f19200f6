import { messageDescriptor, resourceByKind } from '@keystream/api';
import { expect } from 'chai';
import { expectError } from '../testing/expectError.js';
import { applyFieldMask } from './applyFieldMask.js';
import { diffPaths } from './diffPaths.js';
import { parseFieldMask } from './fieldMask.js';
import { maskTouches } from './maskTouches.js';
import { mergeMasked } from './mergeMasked.js';
import { normalizeTimestamp, timestampOfDate } from './normalizeTimestamp.js';
import { normalizeTimestamps } from './normalizeTimestamps.js';
import { resolveFieldPath } from './resolveFieldPath.js';
import { resolveView } from './resolveView.js';

const roleBinding = messageDescriptor('RoleBinding');
const role = messageDescriptor('Role');

const binding = {
  name: 'projects/p1/roleBindings/rb1',
  role: 'projects/p1/roles/r1',
  member: 'user:a@example.com',
  metadata: { labels: { env: 'prod', my_key: 'x' }, tags: ['a'], createTime: '2024-01-01T00:00:00.000000000Z' },
  scopeParams: [{ name: 'p1', value: { string: 'a' } }, { name: 'p2' }],
};

describe('resolveFieldPath', () => {
  describe('having snake_case and camelCase spellings', () => {
    describe('when resolved', () => {
      it('should give the same canonical camelCase path', () => {
        expect(resolveFieldPath(roleBinding, 'metadata.create_time').path).to.equal('metadata.createTime');
        expect(resolveFieldPath(roleBinding, 'metadata.createTime').path).to.equal('metadata.createTime');
      });
    });
  });

  describe('having a map key', () => {
    describe('when resolved', () => {
      it('should keep the key verbatim', () => {
        const resolved = resolveFieldPath(roleBinding, 'metadata.labels.my_key');
        expect(resolved.path).to.equal('metadata.labels.my_key');
        expect(resolved.target.kind).to.equal('mapEntry');
      });
    });
  });

  describe('having a path through a repeated message', () => {
    describe('when resolved', () => {
      it('should say it goes through a repeated field', () => {
        const resolved = resolveFieldPath(role, 'grants.sub_scope');
        expect(resolved.path).to.equal('grants.subScope');
        expect(resolved.throughRepeated).to.equal(true);
        expect(resolved.firstRepeatedIndex).to.equal(0);
      });
    });
  });

  describe('having unknown paths', () => {
    describe('when resolved', () => {
      it('should be INVALID_ARGUMENT naming the field and the fields known', () => {
        expectError(() => resolveFieldPath(roleBinding, 'metadata.nope'), 'INVALID_ARGUMENT', '"nope" is not a field of Meta');
        expectError(() => resolveFieldPath(roleBinding, 'member.x'), 'INVALID_ARGUMENT', 'is not a message');
        expectError(() => resolveFieldPath(roleBinding, 'metadata.labels.env.x'), 'INVALID_ARGUMENT');
        expectError(() => resolveFieldPath(roleBinding, 'metadata..labels'), 'INVALID_ARGUMENT', 'empty path segment');
      });
    });
  });
});

describe('parseFieldMask', () => {
  describe('having duplicated, covered and mixed-case paths', () => {
    describe('when parsed', () => {
      it('should return canonical, sorted, minimal paths', () => {
        expect(parseFieldMask(roleBinding, ['metadata.labels', 'display_name'.replace('display_name', 'member'), 'metadata', 'scope_params.name', 'scopeParams.name']).paths).to.deep.equal([
          'member',
          'metadata',
          'scopeParams.name',
        ]);
      });
    });
  });

  describe('having an unknown path', () => {
    describe('when parsed', () => {
      it('should be INVALID_ARGUMENT on the request field named', () => {
        const error = expectError(() => parseFieldMask(roleBinding, ['nope'], 'update_mask'), 'INVALID_ARGUMENT');
        expect(error.message).to.match(/^update_mask: /);
      });
    });
  });
});

describe('applyFieldMask', () => {
  describe('having nested, map-key and repeated paths', () => {
    describe('when applied', () => {
      it('should keep exactly the masked parts', () => {
        const mask = parseFieldMask(roleBinding, ['name', 'metadata.labels.env', 'scope_params.name']);
        expect(applyFieldMask(binding, mask)).to.deep.equal({
          name: binding.name,
          metadata: { labels: { env: 'prod' } },
          scopeParams: [{ name: 'p1' }, { name: 'p2' }],
        });
      });
    });
  });

  describe('having no mask', () => {
    describe('when applied', () => {
      it('should return a copy of the whole resource', () => {
        const copy = applyFieldMask(binding, undefined);
        expect(copy).to.deep.equal(binding);
        expect(copy).not.to.equal(binding);
      });
    });
  });

  describe('having a mask on an absent message', () => {
    describe('when applied', () => {
      it('should not invent an empty message', () => {
        expect(applyFieldMask({ name: 'n' }, parseFieldMask(roleBinding, ['metadata.labels']))).to.deep.equal({});
      });
    });
  });
});

describe('mergeMasked', () => {
  describe('having a masked update', () => {
    describe('when merged', () => {
      it('should change only masked fields, clear masked fields absent from the update, keep the rest', () => {
        const update = { member: 'user:b@example.com', metadata: { labels: { tier: 'gold' } } };
        const mask = parseFieldMask(roleBinding, ['member', 'metadata.labels.tier', 'metadata.labels.env', 'scope_params.name']);
        const merged = mergeMasked(roleBinding, binding, update, mask);
        expect(merged.member).to.equal('user:b@example.com');
        expect(merged.metadata).to.deep.equal({ labels: { my_key: 'x', tier: 'gold' }, tags: ['a'], createTime: binding.metadata.createTime });
        expect(merged.role).to.equal(binding.role);
        // A path below a repeated field replaces the whole field; the update has none.
        expect(merged).not.to.have.property('scopeParams');
        expect(binding.member).to.equal('user:a@example.com');
      });
    });
  });

  describe('having no mask', () => {
    describe('when merged', () => {
      it('should replace the resource', () => {
        expect(mergeMasked(roleBinding, binding, { name: 'n' }, undefined)).to.deep.equal({ name: 'n' });
      });
    });
  });
});

describe('diffPaths', () => {
  describe('having two versions', () => {
    describe('when diffed', () => {
      it('should list leaf paths, map entries and whole repeated fields that changed', () => {
        const after = { ...binding, member: 'user:c@example.com', metadata: { ...binding.metadata, labels: { env: 'dev', my_key: 'x', new: 'y' } }, scopeParams: [{ name: 'p1' }] };
        expect(diffPaths(roleBinding, binding, after)).to.deep.equal(['member', 'metadata.labels.env', 'metadata.labels.new', 'scopeParams']);
      });
    });
  });

  describe('having a created resource', () => {
    describe('when diffed against nothing', () => {
      it('should list every present top-level field (a message that appears counts as a whole)', () => {
        expect(diffPaths(roleBinding, undefined, { name: 'n', metadata: { labels: { a: '1' } } })).to.deep.equal(['metadata', 'name']);
      });
    });
  });
});

describe('maskTouches', () => {
  describe('having changed paths', () => {
    describe('when checked against a mask', () => {
      it('should be true when a changed path is inside, equal to or above a masked path', () => {
        const mask = parseFieldMask(roleBinding, ['metadata.labels', 'member']);
        expect(maskTouches(mask, ['metadata.labels.env'])).to.equal(true);
        expect(maskTouches(mask, ['metadata'])).to.equal(true);
        expect(maskTouches(mask, ['metadata.tags', 'role'])).to.equal(false);
        expect(maskTouches(undefined, ['role'])).to.equal(true);
        expect(maskTouches(undefined, [])).to.equal(false);
      });
    });
  });
});

describe('resolveView', () => {
  const group = resourceByKind('Group');
  describe('having each view', () => {
    describe('when combined with a field mask', () => {
      it('should follow the SDK: FULL whole, UNSPECIFIED the mask, defined views view+mask, undefined views whole', () => {
        expect(resolveView(group, 'FULL', ['description'])).to.equal(undefined);
        expect(resolveView(group, undefined, undefined)).to.equal(undefined);
        expect(resolveView(group, 'UNSPECIFIED', ['description'])?.paths).to.deep.equal(['description']);
        expect(resolveView(group, 'NAME', undefined)?.paths).to.deep.equal(['displayName', 'name']);
        expect(resolveView(group, 'BASIC', ['metadata.labels'])?.paths).to.deep.equal(['displayName', 'email', 'metadata.labels', 'name']);
        expect(resolveView(group, 'DETAIL', ['description'])).to.equal(undefined);
      });
    });
  });

  describe('having an unknown view', () => {
    describe('when resolved', () => {
      it('should be INVALID_ARGUMENT', () => {
        expectError(() => resolveView(group, 'HUGE', undefined), 'INVALID_ARGUMENT', 'view');
      });
    });
  });
});

describe('normalizeTimestamp', () => {
  describe('having RFC 3339 timestamps in various spellings', () => {
    describe('when normalised', () => {
      it('should give fixed-width UTC with nine fractional digits', () => {
        expect(normalizeTimestamp('2024-01-31T12:00:00Z')).to.equal('2024-01-31T12:00:00.000000000Z');
        expect(normalizeTimestamp('2024-01-31T12:00:00.5+01:30')).to.equal('2024-01-31T10:30:00.500000000Z');
        expect(normalizeTimestamp('2024-01-01T00:30:00.123456789-01:00')).to.equal('2024-01-01T01:30:00.123456789Z');
        expect(normalizeTimestamp('2023-12-31t23:59:59z')).to.equal('2023-12-31T23:59:59.000000000Z');
      });
    });
  });

  describe('having invalid timestamps', () => {
    describe('when normalised', () => {
      it('should be INVALID_ARGUMENT', () => {
        for (const text of ['2024-02-30T00:00:00Z', '2024-01-01', '2024-01-01T25:00:00Z', '0001-01-01T00:00:00+01:00']) {
          expectError(() => normalizeTimestamp(text), 'INVALID_ARGUMENT', 'RFC 3339');
        }
      });
    });
  });
});

describe('normalizeTimestamps', () => {
  describe('having a resource with timestamps at several depths', () => {
    describe('when normalised', () => {
      it('should rewrite every timestamp field and nothing else', () => {
        const key = { name: 'k', validNotBefore: '2024-01-01T01:00:00+01:00', metadata: { createTime: '2024-01-01T00:00:00Z', labels: { t: '2024-01-01T00:00:00Z' } } };
        expect(normalizeTimestamps(messageDescriptor('ServiceAccountKey'), key)).to.deep.equal({
          name: 'k',
          validNotBefore: '2024-01-01T00:00:00.000000000Z',
          metadata: { createTime: '2024-01-01T00:00:00.000000000Z', labels: { t: '2024-01-01T00:00:00Z' } },
        });
      });
    });
  });
});

describe('normalizeTimestamp on text already in the stored form', () => {
  it('keeps valid stored forms and refuses invalid ones exactly as the full parse does', () => {
    // The full parse, reached by the same moment with a lower-case t (which is not the stored form).
    const slow = (text: string): string => normalizeTimestamp(text.replace('T', 't'));
    const outcome = (run: () => string): string => {
      try {
        return run();
      } catch {
        return 'refused';
      }
    };
    const texts = ['2024-02-29T00:00:00.000000000Z', '2023-02-29T00:00:00.000000000Z', '1900-02-29T12:00:00.000000000Z', '2000-02-29T12:00:00.000000000Z', '0000-01-01T00:00:00.000000000Z', '0001-01-01T00:00:00.000000000Z', '9999-12-31T23:59:59.999999999Z', '2024-13-01T00:00:00.000000000Z', '2024-04-31T00:00:00.000000000Z', '2024-01-01T24:00:00.000000000Z', '2024-01-01T23:60:00.000000000Z', '2024-01-01T23:59:60.000000000Z', '2024-00-10T00:00:00.000000000Z', '2024-01-00T00:00:00.000000000Z'];
    for (let index = 0; index < 2000; index += 1) {
      const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
      const random = (below: number): number => Math.floor(Math.random() * below);
      texts.push(`${pad(random(10000), 4)}-${pad(random(14))}-${pad(random(33))}T${pad(random(26))}:${pad(random(62))}:${pad(random(62))}.${pad(random(1e9), 9)}Z`);
    }
    for (const text of texts) expect(outcome(() => normalizeTimestamp(text)), text).to.equal(outcome(() => slow(text)));
  });
});

describe('timestampOfDate', () => {
  it('stamps a moment as normalizeTimestamp writes its ISO text, across years, milliseconds and the edges of the range', () => {
    const moments = [0, 1, 999, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(1, 0, 1), Date.UTC(9999, 11, 31, 23, 59, 59, 999), -62_135_596_800_000];
    for (let index = 0; index < 500; index += 1) moments.push(Math.floor(Math.random() * 253_402_300_799_999));
    for (const moment of moments) {
      const date = new Date(moment);
      expect(timestampOfDate(date), date.toISOString()).to.equal(normalizeTimestamp(date.toISOString()));
    }
  });
});
