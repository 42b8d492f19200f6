import { expect } from 'chai';
import { methodByName } from '@keystream/api';
import { shapeResponse } from './shapeResponse.js';

const group = { name: 'projects/p/groups/g', displayName: 'G', description: 'd', email: 'g@example.com' };

describe('shapeResponse', () => {
  describe('for a write whose request carries a response mask', () => {
    const update = methodByName('UpdateGroup');

    it('should answer the whole resource without a mask, with the position header', () => {
      const answer = shapeResponse(update, {}, { response: group, position: '0c', updatedPaths: ['displayName'] });
      expect(answer.response).to.deep.equal(group);
      expect(answer.headers).to.deep.equal({ 'x-keystream-min-position': '0c' });
    });

    it('should keep only the updated fields and the name for updated_fields_only', () => {
      const answer = shapeResponse(update, { responseMask: { updatedFieldsOnly: true } }, { response: group, updatedPaths: ['displayName'] });
      expect(answer.response).to.deep.equal({ name: group.name, displayName: 'G' });
    });

    it('should answer nothing for skip_entire_response_body and only the masked fields for body_mask', () => {
      expect(shapeResponse(update, { responseMask: { skipEntireResponseBody: true } }, { response: group }).response).to.deep.equal({});
      expect(shapeResponse(update, { responseMask: { bodyMask: ['email'] } }, { response: group }).response).to.deep.equal({ email: 'g@example.com' });
    });
  });

  describe('for a method whose request has no response mask', () => {
    it('should answer the handler\'s response as it is, without a position header for a read', () => {
      const page = { groups: [group], nextPageToken: 't' };
      const answer = shapeResponse(methodByName('ListGroups'), { responseMask: { skipEntireResponseBody: true } }, { response: page });
      expect(answer.response).to.equal(page);
      expect(answer.headers).to.deep.equal({});
    });
  });
});
