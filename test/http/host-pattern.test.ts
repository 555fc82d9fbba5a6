import * as assert from 'node:assert/strict';
import { compilePropagateTo } from '../../src/config/propagate-to';
import { hostPatternsTest } from '../../src/http/host-pattern';
import { parseAuthority } from '../../src/http/destination';
import { VendorTable } from '../../src/vendors/host-table';
import { ridVendor } from '../../src/vendors/vendor';

/** propagateTo's entries and a vendor's hosts are one pattern language, compiled in one place. */
describe('host patterns (propagateTo and the vendor tables)', () => {
  const hosts = ['api.example.com', 'example.com', 'a.b.example.com', 'example.com.evil.net', 'API.EXAMPLE.COM', 'svc.internal'];
  const cases: [string, (string | RegExp)[], string[]][] = [
    ['a name matches itself, in any case', ['api.example.com'], ['api.example.com', 'API.EXAMPLE.COM']],
    ['*.suffix matches every subdomain, not the suffix itself', ['*.example.com'], ['api.example.com', 'a.b.example.com', 'API.EXAMPLE.COM']],
    ['a RegExp is tested on the host name, a global one the same every time', [/^svc\./g], ['svc.internal']],
  ];

  for (const [title, patterns, expected] of cases) {
    it(title, () => {
      const test = hostPatternsTest(patterns);
      // Twice: a stateful (g) RegExp would answer differently the second time.
      for (let round = 0; round < 2; round++) {
        assert.deepEqual(hosts.filter((h) => test(h.toLowerCase())), expected, `round ${round}`);
      }
      const policy = compilePropagateTo(patterns);
      assert.equal(typeof policy, 'function');
      const viaPropagateTo = hosts.filter((h) => (policy as (d: unknown) => boolean)(parseAuthority('https:', h)));
      assert.deepEqual(viaPropagateTo, expected, 'propagateTo matches the same hosts');
      const table = new VendorTable([ridVendor('acme', patterns, false, { request_id: 'x-acme-id' })]);
      const viaVendors = hosts.filter((h) => !table.forHost(h).empty);
      assert.deepEqual(viaVendors, expected, 'the vendor table matches the same hosts');
    });
  }

  it("'*' matches every host (vendors only: propagateTo refuses it)", () => {
    assert.deepEqual(hosts.filter(hostPatternsTest(['*'])), hosts);
    assert.throws(() => compilePropagateTo(['*']), /propagateTo\[0\]/);
  });
});
