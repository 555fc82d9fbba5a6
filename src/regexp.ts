/**
 * `re` without the `g` and `y` flags. A global or sticky RegExp keeps `lastIndex` between `test()`
 * calls, so reused as a matcher it would reject every other value.
 */
export function statelessRegExp(re: RegExp): RegExp {
  return re.global || re.sticky ? new RegExp(re.source, re.flags.replace(/[gy]/g, '')) : re;
}
