import type { Attributes } from '@opentelemetry/api';
import { destinationFromOrigin } from '../http/destination';
import { hostPatternsTest } from '../http/host-pattern';
import type { ResponseIdVendor } from './vendor';

/** One header a host's table reads. */
export interface HeaderEntry {
  /** The header name in lower case. */
  readonly lower: string;
  /** Its last character's code (compared first). */
  readonly last: number;
  /** Where its value goes in FoundIds. */
  readonly slot: number;
  /** Index of its vendor in the table's `vendors`. */
  readonly vendor: number;
  /** Our own header: recorded only when it differs from what the call carried. */
  readonly echo: boolean;
}

/** An attribute and the slots that feed it, most preferred first. */
interface AttributeSlots {
  readonly attribute: string;
  readonly slots: readonly number[];
}

/** Values are IDs: short. A longer one is cut so that a broken or hostile endpoint cannot bloat spans. */
const MAX_VALUE_LENGTH = 256;
/** Header names longer than this are never IDs (the longest built-in is 32). */
const MAX_NAME_LENGTH = 64;

/**
 * The headers one destination host's responses are read for: those of the vendors that host
 * belongs to, of the vendors read from any host, and our own (the downstream echo). Compiled once
 * per host (VendorTable caches it) into buckets by name length, so that a response pays one
 * array read per header name, and a character compare or two for the rare name of the same length.
 */
export class HostTable {
  /** `byLength[n]`: the entries whose name is `n` characters long. */
  readonly byLength: (readonly HeaderEntry[] | undefined)[];
  readonly entries: readonly HeaderEntry[];
  readonly attributes: readonly AttributeSlots[];
  /** One `undefined` per entry: FoundIds copies it (a packed array, one allocation). */
  readonly noValues: readonly (string | undefined)[];

  constructor(readonly vendors: readonly ResponseIdVendor[]) {
    const entries: HeaderEntry[] = [];
    const attributes: AttributeSlots[] = [];
    const claimed = new Set<string>();
    vendors.forEach((vendor, v) => {
      for (const id of vendor.ids) {
        const slots: number[] = [];
        for (const lower of id.headers) {
          // The first vendor listed for this host claims a header name.
          if (claimed.has(lower) || lower.length === 0 || lower.length > MAX_NAME_LENGTH) continue;
          claimed.add(lower);
          slots.push(entries.length);
          entries.push({ lower, last: lower.charCodeAt(lower.length - 1), slot: entries.length, vendor: v, echo: vendor.echo === true });
        }
        if (slots.length > 0) attributes.push({ attribute: id.attribute, slots });
      }
    });
    const byLength: HeaderEntry[][] = [];
    for (const entry of entries) (byLength[entry.lower.length] ??= []).push(entry);
    // A dense array (undefined, not holes) of fixed length: one fast indexed read per name.
    this.byLength = Array.from({ length: MAX_NAME_LENGTH + 1 }, (_, n) => byLength[n]);
    this.entries = entries;
    this.attributes = attributes;
    this.noValues = entries.map(() => undefined);
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }
}

/** The IDs found in one response, filled by response-headers.ts. */
export class FoundIds {
  private readonly values: (string | undefined)[];
  /** The first vendor (in table order) with an ID here: it names the call event. */
  private first: number;

  constructor(readonly table: HostTable) {
    this.values = table.noValues.slice();
    this.first = table.vendors.length;
  }

  /** Records a header's value; the first value of each header wins. */
  set(entry: HeaderEntry, raw: string): void {
    if (this.values[entry.slot] !== undefined) return;
    this.values[entry.slot] = raw.length > MAX_VALUE_LENGTH ? raw.slice(0, MAX_VALUE_LENGTH) : raw;
    if (entry.vendor < this.first) this.first = entry.vendor;
  }

  get found(): boolean {
    return this.first < this.table.vendors.length;
  }

  /** The vendor whose call event this response gets. */
  get vendor(): ResponseIdVendor {
    return this.table.vendors[this.first];
  }

  toAttributes(): Attributes {
    const attributes: Attributes = {};
    const all = this.table.attributes;
    for (let a = 0; a < all.length; a++) {
      const slots = all[a].slots;
      for (let i = 0; i < slots.length; i++) {
        const value = this.values[slots[i]];
        if (value === undefined) continue;
        attributes[all[a].attribute] = value;
        break;
      }
    }
    return attributes;
  }
}

/** Hosts remembered per table; past this the cache starts over (a service calling endless hosts stays bounded). */
const MAX_CACHED_HOSTS = 512;

/**
 * The whole vendor table for one configuration: which vendors each destination host gets. Host
 * matching happens once per host name (then cached), never per response; every host that no
 * vendor lists shares one table (the any-host vendors and the echo).
 */
export class VendorTable {
  private readonly matchers: ((host: string) => boolean)[];
  private readonly cache = new Map<string, HostTable>();
  /** The table of a host no vendor lists. */
  readonly unlisted: HostTable;
  /** Scopes and request headers of vendor SDKs whose operation spans get the IDs too. */
  readonly sdkScopes: ReadonlySet<string>;
  readonly sdkRequestHeaders: readonly string[];

  constructor(readonly vendors: readonly ResponseIdVendor[]) {
    this.matchers = vendors.map((v) => hostPatternsTest(v.hosts));
    this.unlisted = new HostTable(vendors.filter((v) => v.anyHost));
    this.sdkScopes = new Set(vendors.flatMap((v) => (v.sdk === undefined ? [] : [v.sdk.scope])));
    this.sdkRequestHeaders = vendors.flatMap((v) => (v.sdk === undefined ? [] : [v.sdk.requestHeader]));
  }

  /** The table for a destination host (a name or an address, without port or brackets). */
  forHost(host: string | undefined): HostTable {
    if (host === undefined) return this.unlisted;
    let table = this.cache.get(host);
    if (table === undefined) {
      table = this.build(host);
      if (this.cache.size >= MAX_CACHED_HOSTS) this.cache.clear();
      this.cache.set(host, table);
    }
    return table;
  }

  /** The table for an origin as undici reports it (`https://api.openai.com:443`), cached by the origin string. */
  forOrigin(origin: string): HostTable {
    let table = this.cache.get(origin);
    if (table === undefined) {
      // Unparsable: matched as itself, which no listed host is.
      table = this.build(destinationFromOrigin(origin)?.hostname ?? origin);
      if (this.cache.size >= MAX_CACHED_HOSTS) this.cache.clear();
      this.cache.set(origin, table);
    }
    return table;
  }

  private build(host: string): HostTable {
    const lower = host.toLowerCase();
    let listed = false;
    const vendors = this.vendors.filter((vendor, i) => {
      if (vendor.anyHost && vendor.hosts.includes('*')) return true;
      const matches = this.matchers[i](lower);
      listed ||= matches;
      return matches || vendor.anyHost;
    });
    return listed ? new HostTable(vendors) : this.unlisted;
  }
}
