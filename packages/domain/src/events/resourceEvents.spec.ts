import { expect } from 'chai';
import { documentEffectOf, parseStream, streamOf } from './resourceEvents.js';

describe('streamOf and parseStream', () => {
  it('should round-trip a kind and a name with slashes and dashes', () => {
    const stream = streamOf('RoleBinding', 'projects/p-1/roleBindings/rb-2');
    expect(stream).to.equal('RoleBinding-projects/p-1/roleBindings/rb-2');
    expect(parseStream(stream)).to.deep.equal({ kind: 'RoleBinding', name: 'projects/p-1/roleBindings/rb-2' });
  });

  it('should not read streams that are not resource streams', () => {
    expect(parseStream('$et-ProjectCreated')).to.equal(undefined);
    expect(parseStream('nodash')).to.equal(undefined);
  });
});

describe('documentEffectOf', () => {
  it('should put the resource an event carries', () => {
    const resource = { name: 'projects/p1', title: 'P1' };
    expect(documentEffectOf({ stream: 'Project-projects/p1', type: 'ProjectUpdated', data: { resource } })).to.deep.equal({
      op: 'put',
      kind: 'Project',
      name: 'projects/p1',
      document: resource,
    });
  });

  it('should delete on a deletion, whatever else it carries', () => {
    expect(documentEffectOf({ stream: 'Project-projects/p1', type: 'ProjectDeleted', data: { name: 'projects/p1', resource: {} } })).to.deep.equal({
      op: 'delete',
      kind: 'Project',
      name: 'projects/p1',
    });
  });

  it('should ignore events without a resource', () => {
    expect(documentEffectOf({ stream: 'Project-projects/p1', type: 'ProjectPinged', data: {} })).to.equal(undefined);
  });
});
