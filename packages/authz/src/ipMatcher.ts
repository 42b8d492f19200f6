/**
 * CIDR matching for IP Conditions, on Node's BlockList (IPv4 and IPv6; IPv4-mapped IPv6 client
 * addresses such as `::ffff:10.0.0.1` are matched as IPv4).
 */
import { BlockList, isIP } from 'node:net';

/** A compiled list of CIDRs. Invalid entries match nothing (the condition then fails closed). */
export class IpMatcher {
  private readonly list = new BlockList();
  private readonly size: number;

  constructor(cidrs: readonly string[]) {
    let size = 0;
    for (const cidr of cidrs) {
      const [address, bits] = cidr.split('/');
      const family = isIP(address ?? '');
      if (family === 0) continue;
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) continue;
      this.list.addSubnet(address as string, prefix, type);
      size += 1;
    }
    this.size = size;
  }

  /** True when no usable CIDR was given. */
  get empty(): boolean {
    return this.size === 0;
  }

  /** True when the address is in one of the CIDRs. */
  matches(address: string): boolean {
    const plain = normalizeAddress(address);
    const family = isIP(plain);
    if (family === 0) return false;
    return this.list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses unchanged. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? (mapped[1] as string) : address;
}
