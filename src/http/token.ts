/** RFC 9110 section 5.6.2 token characters: what a header name may be made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Whether `value` is a valid HTTP header name (an RFC 9110 token). */
export function isToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN.test(value);
}
