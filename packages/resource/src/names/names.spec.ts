import { RESOURCES, resourceByKind } from '@keystream/api';
import { expect } from 'chai';
import { expectError } from '../testing/expectError.js';
import { formatName } from './formatName.js';
import { generateId } from './generateId.js';
import { nameRegex } from './nameRegex.js';
import { parentOf } from './parentOf.js';
import { parentQuery } from './parentQuery.js';
import { parseName } from './parseName.js';
import { parseParent } from './parseParent.js';

const roleBinding = resourceByKind('RoleBinding');
const serviceAccountKey = resourceByKind('ServiceAccountKey');

/** A concrete example of a pattern: each id a valid id of its kind. */
function exampleName(pattern: string): string {
  return pattern.replace(/\{([a-z_]+)\}/g, (_match, variable: string) => (variable === 'service' ? 'iam.edgelq.com' : variable === 'region' ? 'us-west2' : `x${variable.replace(/_/g, '')}1`.slice(0, 20)));
}

describe('parseName', () => {
  describe('having every name pattern of every resource', () => {
    for (const descriptor of RESOURCES) {
      for (const pattern of descriptor.namePatterns) {
        describe(`when parsing an example of ${pattern.pattern}`, () => {
          it('should return the pattern, ids and parent, and formatName should rebuild it', () => {
            const name = exampleName(pattern.pattern);
            const parsed = parseName(descriptor, name);
            expect(parsed.pattern.pattern).to.equal(pattern.pattern);
            expect(parsed.parent).to.equal(name.split('/').slice(0, -2).join('/'));
            expect(Object.keys(parsed.ids)).to.deep.equal(pattern.segments.map((segment) => segment.idVariable));
            expect(formatName(descriptor, parsed.parent, parsed.id)).to.equal(name);
          });
        });
      }
    }
  });

  describe('having an invalid name', () => {
    describe('when its shape matches no pattern', () => {
      it('should be INVALID_ARGUMENT naming the patterns expected', () => {
        const error = expectError(() => parseName(roleBinding, 'projects/p1/roles/r1'), 'INVALID_ARGUMENT', 'expected roleBindings/{role_binding} or projects/{project}/roleBindings/{role_binding}');
        expect(error.message).to.contain('not a valid RoleBinding name');
      });
    });

    describe('when an id breaks its regex', () => {
      it('should name the offending id and the regex', () => {
        expectError(() => parseName(roleBinding, 'projects/Bad_Project/roleBindings/rb'), 'INVALID_ARGUMENT', 'the Project id "Bad_Project" does not match');
      });
    });

    describe('when it has a wildcard and wildcards are not allowed', () => {
      it('should be INVALID_ARGUMENT', () => {
        expectError(() => parseName(roleBinding, 'projects/-/roleBindings/rb'), 'INVALID_ARGUMENT');
      });
    });

    describe('when it has a wildcard and wildcards are allowed', () => {
      it('should accept it', () => {
        expect(parseName(roleBinding, 'projects/-/roleBindings/-', { wildcards: true }).ids).to.deep.equal({ project: '-', role_binding: '-' });
      });
    });
  });
});

describe('parseParent', () => {
  describe('having a wildcard parent', () => {
    describe('when wildcards are allowed', () => {
      it('should match the parent pattern', () => {
        expect(parseParent(serviceAccountKey, 'projects/-/regions/-/serviceAccounts/sa1').pattern.pattern).to.equal(serviceAccountKey.namePatterns[0]?.pattern);
      });
    });

    describe('when wildcards are not allowed', () => {
      it('should be INVALID_ARGUMENT', () => {
        expectError(() => parseParent(roleBinding, 'projects/-', false), 'INVALID_ARGUMENT', 'not a valid parent of RoleBinding');
      });
    });
  });

  describe('having the empty parent', () => {
    describe('when the resource has a top-level pattern', () => {
      it('should match it', () => {
        expect(parseParent(roleBinding, '').pattern.pattern).to.equal('roleBindings/{role_binding}');
      });
    });

    describe('when the resource has none', () => {
      it('should be INVALID_ARGUMENT listing the parents expected', () => {
        expectError(() => parseParent(serviceAccountKey, ''), 'INVALID_ARGUMENT', 'projects/{project}/regions/{region}/serviceAccounts/{service_account}');
      });
    });
  });
});

describe('parentOf', () => {
  describe('having a nested name', () => {
    describe('when called', () => {
      it('should return the parent name', () => {
        expect(parentOf(roleBinding, 'organizations/o1/roleBindings/rb1')).to.equal('organizations/o1');
        expect(parentOf(roleBinding, 'roleBindings/rb1')).to.equal('');
      });
    });
  });
});

describe('formatName', () => {
  describe('having an id that breaks the regex', () => {
    describe('when called', () => {
      it('should be INVALID_ARGUMENT', () => {
        expectError(() => formatName(resourceByKind('Project'), '', 'Bad Id'), 'INVALID_ARGUMENT', 'does not match');
      });
    });
  });
});

describe('parentQuery', () => {
  describe('having a parent with wildcards', () => {
    describe('when called', () => {
      it('should select names directly under any matching parent', () => {
        const query = parentQuery(roleBinding, 'projects/-') as { name: { $regex: string } };
        const regex = new RegExp(query.name.$regex);
        expect(regex.test('projects/p1/roleBindings/rb1')).to.equal(true);
        expect(regex.test('organizations/o1/roleBindings/rb1')).to.equal(false);
        expect(regex.test('roleBindings/rb1')).to.equal(false);
      });

      it('should be a bare prefix when every name with that beginning is a child (a key range for the stores), and a full regex otherwise', () => {
        const regexOf = (kind: Parameters<typeof resourceByKind>[0], parent: string): string => (parentQuery(resourceByKind(kind), parent) as { name: { $regex: string } }).name.$regex;
        // Only one RoleBinding pattern begins with projects/: each such name is projects/{p}/roleBindings/{rb}.
        expect(regexOf('RoleBinding', 'projects/-')).to.equal('^projects/');
        expect(regexOf('GroupMember', 'projects/-/groups/-')).to.equal('^projects/');
        expect(regexOf('GroupMember', 'projects/p1/groups/-')).to.equal('^projects/p1/groups/');
        expect(regexOf('RoleBinding', 'projects/p1')).to.equal('^projects/p1/roleBindings/');
        expect(regexOf('Project', '')).to.equal('^projects/');
        // A concrete id after a wildcard narrows further than any prefix.
        expect(regexOf('ServiceAccount', 'projects/-/regions/r1')).to.equal('^projects/[^/]+/regions/r1/serviceAccounts/[^/]+$');
        expect(regexOf('ServiceAccountKey', 'projects/p1/regions/-/serviceAccounts/sa1')).to.equal('^projects/p1/regions/[^/]+/serviceAccounts/sa1/serviceAccountKeys/[^/]+$');
      });

      it('should select the same names as the full regex, for every kind and parent shape', () => {
        for (const descriptor of RESOURCES) {
          for (const pattern of descriptor.namePatterns) {
            const pairs = pattern.segments.length - 1;
            // Every parent of this pattern with each id either concrete (aa1) or a wildcard.
            for (let mask = 0; mask < 2 ** pairs; mask += 1) {
              const parent = pattern.segments.slice(0, pairs).map((segment, index) => `${segment.collection}/${(mask >> index) & 1 ? '-' : 'aa1'}`).join('/');
              const query = parentQuery(descriptor, parent) as { name: { $regex: string } };
              const selects = new RegExp(query.name.$regex);
              const exactly = new RegExp(nameRegex(`${parent === '' ? '' : `${parent}/`}${(pattern.segments[pairs] as { collection: string }).collection}/-`));
              // Every name of the kind that could exist: each pattern filled with ids aa1 and bb2.
              for (const other of descriptor.namePatterns) {
                for (let fill = 0; fill < 2 ** other.segments.length; fill += 1) {
                  const name = other.segments.map((segment, index) => `${segment.collection}/${(fill >> index) & 1 ? 'bb2' : 'aa1'}`).join('/');
                  expect(selects.test(name), `${descriptor.kind} parent ${JSON.stringify(parent)}: ${name}`).to.equal(exactly.test(name));
                }
              }
            }
          }
        }
      });
    });
  });
});

describe('nameRegex', () => {
  describe('having a name with dots', () => {
    describe('when called', () => {
      it('should match the dots literally', () => {
        const regex = new RegExp(nameRegex('services/iam.edgelq.com/roles/-'));
        expect(regex.test('services/iam.edgelq.com/roles/admin')).to.equal(true);
        expect(regex.test('services/iamXedgelq.com/roles/admin')).to.equal(false);
      });
    });
  });
});

describe('generateId', () => {
  describe('having every resource', () => {
    describe('when generating ids', () => {
      it('should satisfy each id regex and differ between calls', () => {
        for (const descriptor of RESOURCES) {
          const ids = new Set(Array.from({ length: 20 }, () => generateId(descriptor)));
          for (const id of ids) expect(descriptor.idPattern.test(id), `${descriptor.kind}: ${id}`).to.equal(true);
          expect(ids.size).to.equal(20);
        }
      });
    });
  });
});
