import { expect } from 'chai';
import { edgePeerHeaderLines, peerOf, plainAddress } from './edgePeer.js';

/** The headers the edge's lines become once parsed (lower-case names). */
function parsed(lines: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines.split('\r\n').filter((entry) => entry !== '')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

describe('edge peer address', () => {
  describe('having a request the edge forwarded', () => {
    it('should take the address the edge named, and remove the edge headers', () => {
      const headers = { authorization: 'Bearer t', ...parsed(edgePeerHeaderLines('203.0.113.7')) };
      expect(peerOf(headers, '127.0.0.1')).to.equal('203.0.113.7');
      expect(headers).to.deep.equal({ authorization: 'Bearer t' });
    });
  });

  describe('having a client that names its own address', () => {
    for (const [label, forged] of [
      ['without the key', { 'x-keystream-edge-peer': '10.0.0.1' }],
      ['with a wrong key', { 'x-keystream-edge-peer': '10.0.0.1', 'x-keystream-edge-key': 'guess' }],
      ['with a key of the right length but wrong', { 'x-keystream-edge-peer': '10.0.0.1', 'x-keystream-edge-key': 'A'.repeat(32) }],
    ] as const) {
      it(`should keep the socket's address when the header comes ${label}`, () => {
        const headers: Record<string, string> = { ...forged };
        expect(peerOf(headers, '198.51.100.2')).to.equal('198.51.100.2');
        expect(headers).to.deep.equal({});
      });
    }
  });

  describe('having an address with characters no address has', () => {
    it('should forward only address characters, so no header can be injected', () => {
      const lines = edgePeerHeaderLines('1.2.3.4\r\nx-evil: 1');
      expect(lines.split('\r\n').filter((line) => line !== '')).to.have.length(2);
    });
  });

  describe('having an IPv4 client of a dual-stack socket', () => {
    it('should name it as plain IPv4, as uWS does', () => {
      expect(plainAddress('::ffff:192.0.2.1')).to.equal('192.0.2.1');
      expect(plainAddress('2001:db8::1')).to.equal('2001:db8::1');
    });
  });
});
