import { statelessRegExp } from '../regexp';

/**
 * A host pattern, as `propagateTo` and the vendor tables write it: a host name, a `*.suffix`
 * wildcard (every subdomain, not the suffix itself), a RegExp on the host name, or `'*'` (every
 * host). Compiled here once for both, so a pattern matches the same hosts in either.
 */
export type HostPattern = string | RegExp;

/** One pattern as a test on a lower-case host name (no port, no brackets). */
export function hostPatternTest(pattern: HostPattern): (host: string) => boolean {
  if (pattern instanceof RegExp) {
    const re = statelessRegExp(pattern);
    return (host) => re.test(host);
  }
  if (pattern === '*') return () => true;
  const lower = pattern.toLowerCase();
  if (lower.startsWith('*.')) {
    const suffix = lower.slice(1);
    return (host) => host.endsWith(suffix);
  }
  return (host) => host === lower;
}

/** Patterns as one test: whether any of them matches. */
export function hostPatternsTest(patterns: readonly HostPattern[]): (host: string) => boolean {
  const tests = patterns.map(hostPatternTest);
  return (host) => tests.some((test) => test(host));
}
