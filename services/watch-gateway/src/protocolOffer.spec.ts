import { expect } from 'chai';
import { isKeystreamError } from '@keystream/api';
import { readProtocolOffer, WATCH_SUBPROTOCOL } from './protocolOffer.js';

function refusal(offer: string, authorization?: string): string {
  try {
    readProtocolOffer(offer, authorization);
  } catch (error) {
    expect(isKeystreamError(error), String(error)).to.equal(true);
    return JSON.stringify((error as { toBody(): unknown }).toBody());
  }
  throw new Error(`${offer} was accepted`);
}

describe('readProtocolOffer', () => {
  describe('having a bearer entry next to the real subprotocol', () => {
    it('should answer the real subprotocol and carry the token as an Authorization header, whatever the order and spacing', () => {
      for (const offer of [`${WATCH_SUBPROTOCOL}, keystream.bearer.abc.def-ghi_j`, `keystream.bearer.abc.def-ghi_j,${WATCH_SUBPROTOCOL}`, ` keystream.bearer.abc.def-ghi_j ,  other.v2, ${WATCH_SUBPROTOCOL} `]) {
        expect(readProtocolOffer(offer, undefined), offer).to.deep.equal({ protocol: WATCH_SUBPROTOCOL, authorization: 'Bearer abc.def-ghi_j' });
      }
    });

    it('should answer the first other subprotocol when keystream.watch.v1 is not offered', () => {
      expect(readProtocolOffer('keystream.bearer.t, other.v2', undefined)).to.deep.equal({ protocol: 'other.v2', authorization: 'Bearer t' });
    });
  });

  describe('having no bearer entry', () => {
    it('should leave the credentials alone', () => {
      expect(readProtocolOffer('', 'Bearer x')).to.deep.equal({ protocol: '', authorization: undefined });
      expect(readProtocolOffer(WATCH_SUBPROTOCOL, undefined)).to.deep.equal({ protocol: WATCH_SUBPROTOCOL, authorization: undefined });
    });
  });

  describe('having an ambiguous or unusable offer', () => {
    it('should refuse it naming Sec-WebSocket-Protocol, without repeating the token', () => {
      const cases: readonly (readonly [string, string | undefined])[] = [
        ['keystream.bearer.secret1', undefined],
        [`${WATCH_SUBPROTOCOL}, keystream.bearer.secret1, keystream.bearer.secret2`, undefined],
        [`${WATCH_SUBPROTOCOL}, keystream.bearer.`, undefined],
        [`${WATCH_SUBPROTOCOL}, keystream.bearer.secret1`, 'Bearer other'],
      ];
      for (const [offer, authorization] of cases) {
        const body = refusal(offer, authorization);
        expect(body, offer).to.include('INVALID_ARGUMENT');
        expect(body, offer).to.include('Sec-WebSocket-Protocol');
        expect(body, offer).to.not.include('secret1');
      }
    });
  });
});
