/**
 * CIDR syntax for IP Conditions: `address/prefix` or a bare address (a /32 or /128), IPv4 or IPv6.
 * One parser for both ends: a Condition is refused at creation when an entry does not parse, and
 * the authorizer denies (fails closed) if one ever reaches it anyway.
 */
import { isIP } from 'node:net';

/** A parsed CIDR. */
export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Parses a CIDR; undefined when it is not one. */
export function parseCidr(text: string): Cidr | undefined {
  const parts = text.split('/');
  if (parts.length > 2) return undefined;
  const [address = '', bits] = parts;
  const family = isIP(address);
  if (family === 0) return undefined;
  const max = family === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return undefined;
  return { address, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}
