import { expect } from 'chai';
import { camelToSnake, snakeToCamel } from './fieldCase.js';

describe('fieldCase', () => {
  it('should turn proto names and dotted paths into their JSON spelling and back', () => {
    expect(snakeToCamel('display_name')).to.equal('displayName');
    expect(snakeToCamel('metadata.owner_references.api_version')).to.equal('metadata.ownerReferences.apiVersion');
    expect(snakeToCamel('rsa_2048')).to.equal('rsa2048');
    expect(camelToSnake('validNotBefore')).to.equal('valid_not_before');
  });
});
