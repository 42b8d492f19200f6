import { expect } from 'chai';
import { renderNotification } from '@keystream/notify';
import { invitationLink, invitationNotification } from './invitationNotices.js';

const NAME = 'projects/apollo/projectInvitations/inv-1';
const CODE = 'ksi_abcDEF-123_x';

describe('invitationNotification', () => {
  describe('having a public URL', () => {
    const link = invitationLink('https://iam.example.com/', NAME, CODE);

    it('should link to the console accept page with the invitation and code in the fragment only', () => {
      const url = new URL(link);
      expect(url.origin + url.pathname).to.equal('https://iam.example.com/console/');
      expect(url.search).to.equal('');
      const fragment = new URLSearchParams(url.hash.slice(1));
      expect([fragment.get('invitation'), fragment.get('code')]).to.deep.equal([NAME, CODE]);
    });

    for (const languageCode of ['en-us', 'de-AT', 'ja', 'pl']) {
      it(`should put the link and the code into the ${languageCode} mail`, () => {
        const invitation = { name: NAME, invitation: { inviteeEmail: 'bob@example.com', inviterEmail: 'alice@example.com', languageCode, expirationDate: '2026-02-01T00:00:00Z' } };
        const mail = renderNotification(invitationNotification('ProjectInvitation', invitation, CODE, 1, 'Apollo', 'https://iam.example.com'));
        expect(mail.text).to.include(link);
        expect(mail.text).to.include(`: ${CODE}`);
        expect(mail.text).to.include('Apollo');
      });
    }
  });
});
