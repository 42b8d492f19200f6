import { messageDescriptor } from '@keystream/api';
import { expect } from 'chai';
import { expectError } from '../testing/expectError.js';
import { applyResponseMask } from './applyResponseMask.js';
import { checkCas } from './checkCas.js';

const roleBinding = messageDescriptor('RoleBinding');
const stored = { name: 'projects/p1/roleBindings/rb1', member: 'user:a', role: 'projects/p1/roles/rr', metadata: { labels: { env: 'prod' } } };

describe('checkCas', () => {
  describe('having a conditional state equal under the mask', () => {
    describe('when checked', () => {
      it('should pass even if unmasked fields differ', () => {
        expect(() => { checkCas(roleBinding, stored, { conditionalState: { member: 'user:a', role: 'other' }, fieldMask: ['member'] }); }).not.to.throw();
      });
    });
  });

  describe('having a conditional state that differs under the mask', () => {
    describe('when checked', () => {
      it('should be ABORTED naming the differing paths', () => {
        expectError(() => { checkCas(roleBinding, stored, { conditionalState: { metadata: { labels: { env: 'dev' } } }, fieldMask: ['metadata.labels.env', 'member'] }); }, 'ABORTED', 'differs at: member, metadata.labels.env');
      });
    });
  });

  describe('having no mask', () => {
    describe('when checked', () => {
      it('should compare the whole resource, default values counting as absent', () => {
        expect(() => { checkCas(roleBinding, stored, { conditionalState: { ...stored, ownedObjects: [], hasOwnedObjects: false } }); }).not.to.throw();
        expectError(() => { checkCas(roleBinding, stored, { conditionalState: { name: stored.name } }); }, 'ABORTED');
      });
    });
  });

  describe('having no conditional state or an unknown path', () => {
    describe('when checked', () => {
      it('should be INVALID_ARGUMENT', () => {
        expectError(() => { checkCas(roleBinding, stored, { fieldMask: ['member'] }); }, 'INVALID_ARGUMENT', 'cas.conditional_state');
        expectError(() => { checkCas(roleBinding, stored, { conditionalState: {}, fieldMask: ['nope'] }); }, 'INVALID_ARGUMENT', 'cas.field_mask');
      });
    });
  });
});

describe('applyResponseMask', () => {
  describe('having each response mask option', () => {
    describe('when applied', () => {
      it('should skip, keep updated fields plus name, or keep the body mask', () => {
        expect(applyResponseMask(roleBinding, stored, undefined)).to.deep.equal(stored);
        expect(applyResponseMask(roleBinding, stored, { skipEntireResponseBody: true, bodyMask: ['member'] })).to.deep.equal({});
        expect(applyResponseMask(roleBinding, stored, { updatedFieldsOnly: true }, ['metadata.labels.env'])).to.deep.equal({ name: stored.name, metadata: { labels: { env: 'prod' } } });
        expect(applyResponseMask(roleBinding, stored, { bodyMask: ['member'] })).to.deep.equal({ member: 'user:a' });
        expect(applyResponseMask(roleBinding, stored, { updatedFieldsOnly: true, bodyMask: ['name'] }, ['member'])).to.deep.equal({ name: stored.name });
      });
    });
  });

  describe('having an unknown body mask path', () => {
    describe('when applied', () => {
      it('should be INVALID_ARGUMENT', () => {
        expectError(() => applyResponseMask(roleBinding, stored, { bodyMask: ['nope'] }), 'INVALID_ARGUMENT', 'response_mask.body_mask');
      });
    });
  });
});
