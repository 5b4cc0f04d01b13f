/** Client addresses allowed to scrape /metrics without the admin key (`api_server.metrics_allow`). */
import { BlockList, isIP } from 'node:net';

interface AllowEntry {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** An IP address or CIDR range (`10.0.0.0/8`, `::1`, `fd00::/8`); undefined when malformed. */
export function parseAllowEntry(text: string): AllowEntry | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** IPv4 clients on a dual-stack socket show up as ::ffff:a.b.c.d. */
function plainAddress(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

export function createAllowList(entries: readonly string[]): (ip: string) => boolean {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const text of entries) {
    const entry = parseAllowEntry(text);
    if (!entry) throw new Error(`not an IP address or CIDR range: ${text}`);
    list.addSubnet(entry.address, entry.prefix, entry.family);
  }
  return (ip) => {
    const address = plainAddress(ip);
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
}
