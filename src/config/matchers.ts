import { RequestIdConfigError } from '../errors';
import { statelessRegExp } from '../regexp';
import type { IncomingRequest, RequestMatcher } from '../types';

/** A compiled matcher. It may throw (user functions); callers guard it. */
export type CompiledMatcher = (request: IncomingRequest, path: string) => boolean;

const EXPECTED = 'a path prefix string starting with "/", a RegExp, a function (request) => boolean, or an array of these';

export function compileMatchers(option: string, value: RequestMatcher | readonly RequestMatcher[]): CompiledMatcher {
  const list = Array.isArray(value) ? (value as readonly RequestMatcher[]) : [value as RequestMatcher];
  if (list.length === 0) throw new RequestIdConfigError(option, value, EXPECTED);
  const compiled = list.map((m, i) => compileOne(list.length > 1 ? `${option}[${i}]` : option, m));
  if (compiled.length === 1) return compiled[0];
  return (request, path) => compiled.some((m) => m(request, path));
}

function compileOne(option: string, matcher: RequestMatcher): CompiledMatcher {
  if (typeof matcher === 'function') return (request) => matcher(request) === true;
  if (matcher instanceof RegExp) {
    const re = statelessRegExp(matcher);
    return (_request, path) => re.test(path);
  }
  if (typeof matcher === 'string' && matcher.startsWith('/')) {
    const prefix = matcher.length > 1 && matcher.endsWith('/') ? matcher.slice(0, -1) : matcher;
    if (prefix === '/') return () => true;
    // Whole segments only: '/health' matches '/health' and '/health/x', not '/healthz'.
    return (_request, path) =>
      path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47 /* / */);
  }
  throw new RequestIdConfigError(option, matcher, EXPECTED);
}

/** The request path without query string or fragment. */
export function requestPath(request: IncomingRequest): string {
  const url = request.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
