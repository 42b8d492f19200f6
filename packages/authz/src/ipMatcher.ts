/**
 * CIDR matching for IP Conditions, on Node's BlockList (IPv4 and IPv6; IPv4-mapped IPv6 client
 * addresses such as `::ffff:10.0.0.1` are matched as IPv4).
 */
import { BlockList, isIP } from 'node:net';
import { parseCidr } from '@keystream/domain';

/** A compiled list of CIDRs. An entry that does not parse makes the list {@link invalid}. */
export class IpMatcher {
  private readonly list = new BlockList();
  private readonly size: number;
  /** True when some entry is not a CIDR: a condition using this list cannot be evaluated. */
  readonly invalid: boolean;

  constructor(cidrs: readonly unknown[]) {
    let size = 0;
    let invalid = false;
    for (const entry of cidrs) {
      const cidr = typeof entry === 'string' ? parseCidr(entry) : undefined;
      if (cidr === undefined) {
        invalid = true;
        continue;
      }
      this.list.addSubnet(cidr.address, cidr.prefix, cidr.family);
      size += 1;
    }
    this.size = size;
    this.invalid = invalid;
  }

  /** True when the list has no entry at all. */
  get empty(): boolean {
    return this.size === 0 && !this.invalid;
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
