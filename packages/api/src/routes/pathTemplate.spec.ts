import { expect } from 'chai';
import { matchPathTemplate, parsePathTemplate, splitRequestPath } from './pathTemplate.js';

describe('parsePathTemplate', () => {
  describe('having a variable with a multi-segment pattern and a custom verb', () => {
    const template = parsePathTemplate('/v1/{name=projects/*/attestationDomains/*}:watch');

    it('should expand the variable into literal and wildcard segments', () => {
      expect(template.segments).to.deep.equal([
        { kind: 'literal', value: 'v1' },
        { kind: 'literal', value: 'projects' },
        { kind: 'wildcard' },
        { kind: 'literal', value: 'attestationDomains' },
        { kind: 'wildcard' },
      ]);
      expect(template.variables).to.deep.equal([{ fieldPath: 'name', pattern: 'projects/*/attestationDomains/*', start: 1, length: 4 }]);
      expect(template.verb).to.equal('watch');
    });
  });

  describe('having a verb directly on the version segment', () => {
    it('should read /v1:getByEmail as segment v1 with verb getByEmail', () => {
      const template = parsePathTemplate('/v1:getByEmail');
      expect(template.segments).to.deep.equal([{ kind: 'literal', value: 'v1' }]);
      expect(template.verb).to.equal('getByEmail');
    });
  });

  describe('having a nested field path as the variable', () => {
    it('should keep the dotted field path', () => {
      const template = parsePathTemplate('/v1/{ask_for_challenge.attestation_domain=projects/*/attestationDomains/*}:verify');
      expect(template.variables[0]?.fieldPath).to.equal('ask_for_challenge.attestation_domain');
    });
  });

  describe('having a template without a leading slash', () => {
    it('should throw naming the template', () => {
      expect(() => parsePathTemplate('v1/roles')).to.throw(/must start with "\/": v1\/roles/);
    });
  });
});

describe('matchPathTemplate', () => {
  const template = parsePathTemplate('/v1/{name=projects/*/roles/*}');

  it('should bind the variable to the joined segments', () => {
    expect(matchPathTemplate(template, splitRequestPath('/v1/projects/p1/roles/admin'))).to.deep.equal({ name: 'projects/p1/roles/admin' });
  });

  it('should percent-decode segments', () => {
    expect(matchPathTemplate(template, splitRequestPath('/v1/projects/p%2D1/roles/admin'))).to.deep.equal({ name: 'projects/p-1/roles/admin' });
  });

  it('should not match a different collection, length or verb', () => {
    expect(matchPathTemplate(template, splitRequestPath('/v1/organizations/o1/roles/admin'))).to.equal(undefined);
    expect(matchPathTemplate(template, splitRequestPath('/v1/projects/p1/roles'))).to.equal(undefined);
    expect(matchPathTemplate(template, splitRequestPath('/v1/projects/p1/roles/admin:watch'))).to.equal(undefined);
  });

  it('should not let a wildcard match an encoded slash or malformed escape', () => {
    expect(matchPathTemplate(template, splitRequestPath('/v1/projects/p1%2Fx/roles/admin'))).to.equal(undefined);
    expect(matchPathTemplate(template, splitRequestPath('/v1/projects/%E0%A4%A/roles/admin'))).to.equal(undefined);
  });

  it('should match a custom verb only when the request has it', () => {
    const watch = parsePathTemplate('/v1/{parent=projects/*}/roles:watch');
    expect(matchPathTemplate(watch, splitRequestPath('/v1/projects/p1/roles:watch'))).to.deep.equal({ parent: 'projects/p1' });
    expect(matchPathTemplate(watch, splitRequestPath('/v1/projects/p1/roles'))).to.equal(undefined);
  });
});
