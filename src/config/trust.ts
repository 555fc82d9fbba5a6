import { BlockList, isIP } from 'node:net';
import { RequestIdConfigError } from '../errors';
import type { IncomingRequest, TrustIncoming } from '../types';

/** Decides whether a request's incoming ID may be reused. May throw (user functions); callers guard it. */
export type TrustPolicy = ((request: IncomingRequest) => boolean) | true | false;

const EXPECTED =
  'true, false, an array of peer addresses or CIDRs (e.g. ["10.0.0.0/8", "::1"]), or a function (request) => boolean';

export function compileTrust(value: TrustIncoming | undefined): TrustPolicy {
  if (value === undefined || value === true) return true;
  if (value === false) return false;
  if (typeof value === 'function') return (request) => value(request) === true;
  if (!Array.isArray(value)) throw new RequestIdConfigError('trustIncoming', value, EXPECTED);
  // BlockList does the CIDR arithmetic for IPv4 and IPv6 in native code.
  const trusted = new BlockList();
  for (const entry of value as readonly unknown[]) addEntry(trusted, entry);
  return (request) => {
    const address = request.socket.remoteAddress;
    if (address === undefined) return false;
    const family = isIP(address);
    if (family === 0) return false;
    if (family === 6 && address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) {
      // An IPv4 peer on a dual-stack socket: match it against the IPv4 entries.
      return trusted.check(address.slice(7), 'ipv4') || trusted.check(address, 'ipv6');
    }
    return trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

function addEntry(list: BlockList, entry: unknown): void {
  if (typeof entry !== 'string') throw new RequestIdConfigError('trustIncoming', entry, EXPECTED);
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) throw new RequestIdConfigError('trustIncoming', entry, EXPECTED);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (slash === -1) {
    list.addAddress(address, type);
    return;
  }
  const bitsText = entry.slice(slash + 1);
  const bits = Number(bitsText);
  const max = family === 4 ? 32 : 128;
  if (!/^\d+$/.test(bitsText) || bits > max) throw new RequestIdConfigError('trustIncoming', entry, EXPECTED);
  list.addSubnet(address, bits, type);
}
