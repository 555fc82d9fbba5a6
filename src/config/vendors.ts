import { VendorTable } from '../vendors/host-table';
import { MAX_CALL_EVENTS, type HostPattern, type ResponseIdVendor } from '../vendors/vendor';
import { BUILT_IN_VENDORS, VENDOR_NAMES } from '../vendors';
import { downstream } from '../vendors/downstream';
import type { CustomVendor, VendorName } from '../types';
import { RequestIdConfigError } from '../errors';
import { isToken } from '../http/token';

const NAME = /^[a-z][a-z0-9_]*$/;
const NAMES = VENDOR_NAMES.map((n) => `'${n}'`).join(', ');
const VENDORS_EXPECTED = `true (every built-in vendor and the downstream echo, the default), false, or an array of ${NAMES} (AWS is \`captureAwsRequestIds\`)`;
const CUSTOM_EXPECTED = 'an array of { name, hosts, headers, attributeName? }';
const HOSTS_EXPECTED = 'a host name, a "*.suffix" wildcard, a RegExp on the host name, "*" (every host), or an array of these';
const RESERVED = new Set([...BUILT_IN_VENDORS.map((v) => v.name), 'downstream']);

export interface VendorOptions {
  captureAwsRequestIds: boolean;
  captureVendorRequestIds: boolean | readonly VendorName[] | undefined;
  customVendors: readonly CustomVendor[] | undefined;
  /** The lower-case headers this package sends, the global one first: the downstream echo reads them. */
  ourHeaders: readonly string[];
}

/**
 * The vendor table a config asks for: its `customVendors` first (a user's entry claims a header
 * before a built-in does for the same host), then the built-ins it keeps, then the downstream
 * echo. `undefined` when nothing is to be recorded: the capture then does not run at all.
 */
export function compileVendorTable(options: VendorOptions): VendorTable | undefined {
  const chosen = chosenBuiltIns(options.captureVendorRequestIds);
  const vendors: ResponseIdVendor[] = compileCustomVendors(options.customVendors);
  for (const vendor of BUILT_IN_VENDORS) {
    if (vendor.name === 'aws' ? options.captureAwsRequestIds : chosen.has(vendor.name)) vendors.push(vendor);
  }
  if (chosen.has('downstream')) vendors.push(downstream(options.ourHeaders));
  return vendors.length === 0 ? undefined : new VendorTable(vendors);
}

function chosenBuiltIns(value: boolean | readonly VendorName[] | undefined): Set<string> {
  if (value === undefined || value === true) return new Set(VENDOR_NAMES);
  if (value === false) return new Set();
  if (!Array.isArray(value)) throw new RequestIdConfigError('captureVendorRequestIds', value, VENDORS_EXPECTED);
  (value as readonly unknown[]).forEach((name, i) => {
    if (typeof name !== 'string' || !(VENDOR_NAMES as readonly string[]).includes(name)) {
      throw new RequestIdConfigError(`captureVendorRequestIds[${i}]`, name, `one of ${NAMES} (AWS is \`captureAwsRequestIds\`)`);
    }
  });
  return new Set(value);
}

function compileCustomVendors(value: readonly CustomVendor[] | undefined): ResponseIdVendor[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new RequestIdConfigError('customVendors', value, CUSTOM_EXPECTED);
  const seen = new Set<string>();
  return (value as readonly CustomVendor[]).map((entry, i) => {
    const vendor = compileCustomVendor(`customVendors[${i}]`, entry);
    if (seen.has(vendor.name)) {
      throw new RequestIdConfigError(`customVendors[${i}].name`, vendor.name, 'a name no other customVendors entry has');
    }
    seen.add(vendor.name);
    return vendor;
  });
}

function compileCustomVendor(prefix: string, entry: CustomVendor): ResponseIdVendor {
  if (entry === null || typeof entry !== 'object') throw new RequestIdConfigError(prefix, entry, '{ name, hosts, headers, attributeName? }');
  const { name } = entry;
  if (typeof name !== 'string' || !NAME.test(name) || RESERVED.has(name)) {
    throw new RequestIdConfigError(
      `${prefix}.name`,
      name,
      `a lower-case name of letters, digits and _ that starts with a letter and is not a built-in's (${[...RESERVED].join(', ')})`,
    );
  }
  const hosts = listOf(entry.hosts);
  if (hosts.length === 0) throw new RequestIdConfigError(`${prefix}.hosts`, entry.hosts, HOSTS_EXPECTED);
  hosts.forEach((host, i) => {
    const option = Array.isArray(entry.hosts) ? `${prefix}.hosts[${i}]` : `${prefix}.hosts`;
    if (host instanceof RegExp) return;
    if (typeof host !== 'string' || host === '' || /[\s/:@]/.test(host) || (host.includes('*') && host !== '*' && !/^\*\.[^*]+$/.test(host))) {
      throw new RequestIdConfigError(option, host, HOSTS_EXPECTED);
    }
  });
  const headers = listOf(entry.headers);
  if (headers.length === 0) throw new RequestIdConfigError(`${prefix}.headers`, entry.headers, 'an HTTP header name (RFC 9110 token), or an array of them');
  headers.forEach((header, i) => {
    if (!isToken(header)) {
      const option = Array.isArray(entry.headers) ? `${prefix}.headers[${i}]` : `${prefix}.headers`;
      throw new RequestIdConfigError(option, header, 'an HTTP header name (RFC 9110 token: letters, digits and !#$%&\'*+.^_`|~-)');
    }
  });
  const attribute = entry.attributeName ?? `rid.${name}.request_id`;
  if (typeof attribute !== 'string' || attribute === '') throw new RequestIdConfigError(`${prefix}.attributeName`, attribute, 'a non-empty string');
  return {
    name,
    hosts: hosts as HostPattern[],
    anyHost: hosts.includes('*'),
    ids: [{ attribute, headers: (headers as string[]).map((h) => h.toLowerCase()) }],
    callEvent: `rid.${name}.call`,
    droppedCallsAttribute: `rid.${name}.calls.dropped`,
    maxCallEvents: MAX_CALL_EVENTS,
    responseSpanName: `rid.${name}.response`,
  };
}

function listOf<T>(value: T | readonly T[] | undefined): readonly unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly unknown[]) : [value];
}
