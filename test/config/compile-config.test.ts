import '../support/otel';
import * as assert from 'node:assert/strict';
import { RequestIdConfigError, RequestIdInstrumentation, type RequestIdInstrumentationConfig } from '../../src';

/** Builds with `config`; expects a RequestIdConfigError whose message matches every pattern. */
function rejects(config: unknown, option: string, ...patterns: RegExp[]): void {
  let error: unknown;
  try {
    new RequestIdInstrumentation(config as RequestIdInstrumentationConfig).disable();
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof RequestIdConfigError, `expected a RequestIdConfigError for ${JSON.stringify(config)}`);
  assert.equal(error.option, option);
  assert.match(error.message, new RegExp(`invalid option \`${option.replace(/[[\].]/g, '\\$&')}\``));
  for (const p of patterns) assert.match(error.message, p);
}

describe('configuration errors at construction', () => {
  it('an unknown algorithm names the option, the value and the valid values', () => {
    rejects({ algorithm: 'uuid4' }, 'algorithm', /got "uuid4"/, /'uuid', 'uuidv7', 'nanoid', 'range_id', 'ksuid', 'trace_id', or a function/);
  });

  it('rangeId.length below 6', () => {
    rejects({ algorithm: 'range_id', rangeId: { length: 5 } }, 'rangeId.length', /got 5/, /6/);
  });

  it('a rangeId.charSet with fewer than 6 distinct characters', () => {
    rejects({ algorithm: 'range_id', rangeId: { charSet: 'abcde' } }, 'rangeId.charSet', /"abcde"/, /6/);
  });

  it('rangeId given with another algorithm', () => {
    rejects({ algorithm: 'nanoid', rangeId: { length: 8 } }, 'rangeId', /range_id/);
  });

  it('a header name that is not an HTTP token', () => {
    rejects({ headerName: 'X Request Id' }, 'headerName', /"X Request Id"/, /valid HTTP header name/);
    rejects({ headerName: 'X-Id\r\n' }, 'headerName', /valid HTTP header name/);
    rejects({ headerName: '' }, 'headerName');
  });

  it('non-boolean includeInResponse and empty attribute names', () => {
    rejects({ includeInResponse: 'yes' }, 'includeInResponse', /got "yes"/, /true or false/);
    rejects({ attributeName: '' }, 'attributeName', /non-empty string/);
  });

  it('validation limits', () => {
    rejects({ validation: { maxLength: 0 } }, 'validation.maxLength', /got 0/);
    rejects({ validation: { minLength: 0 } }, 'validation.minLength', /integer >= 1/);
    rejects({ validation: { minLength: 10, maxLength: 5 } }, 'validation.maxLength', /from validation.minLength \(10\)/);
    rejects({ validation: { pattern: '^[a-z]+$' } }, 'validation.pattern', /a RegExp/);
  });

  it('trustIncoming entries that are not addresses or CIDRs', () => {
    rejects({ trustIncoming: ['10.0.0.0/33'] }, 'trustIncoming', /"10.0.0.0\/33"/, /CIDRs/);
    rejects({ trustIncoming: ['proxy.internal'] }, 'trustIncoming', /"proxy.internal"/);
    rejects({ trustIncoming: 'yes' }, 'trustIncoming', /true, false/);
  });

  it('rules and ignore matchers', () => {
    rejects({ rules: {} }, 'rules', /an array/);
    rejects({ rules: [{ headerName: 'X-A' }] }, 'rules[0]', /`match`/);
    rejects({ rules: [{ match: 'api' }] }, 'rules[0].match', /starting with "\/"/);
    rejects({ rules: [{ match: '/a', algorithm: 'snowflake' }] }, 'rules[0].algorithm', /got "snowflake"/);
    rejects({ rules: [{ match: '/a', algorithm: 'range_id', rangeId: { length: 2 } }] }, 'rules[0].rangeId.length', /got 2/);
    rejects({ ignore: 42 }, 'ignore', /a path prefix string/);
    rejects({ ignore: ['/ok', 7] }, 'ignore[1]');
  });

  it('a bad setConfig throws and keeps the running config', () => {
    const inst = new RequestIdInstrumentation({ headerName: 'X-Trace-Me' });
    try {
      assert.throws(() => inst.setConfig({ algorithm: 'bogus' as never }), RequestIdConfigError);
      assert.equal(inst.getConfig().headerName, 'X-Trace-Me');
    } finally {
      inst.disable();
    }
  });

  it('captureVendorRequestIds: a boolean or an array of the built-in names, AWS excluded', () => {
    rejects({ captureVendorRequestIds: 'yes' }, 'captureVendorRequestIds', /got "yes"/, /'openai', 'anthropic', 'stripe', 'github', 'azure', 'twilio', 'cloudflare', 'slack', 'shopify', 'downstream'/);
    rejects({ captureVendorRequestIds: ['stripe', 'paypal'] }, 'captureVendorRequestIds[1]', /got "paypal"/, /'openai'/, /captureAwsRequestIds/);
    rejects({ captureVendorRequestIds: ['aws'] }, 'captureVendorRequestIds[0]', /AWS is `captureAwsRequestIds`/);
  });

  it('customVendors: each entry names its option, the value and the valid values', () => {
    const entry = { name: 'acme', hosts: 'api.acme.test', headers: 'x-acme-id' };
    rejects({ customVendors: entry }, 'customVendors', /an array of \{ name, hosts, headers, attributeName\? \}/);
    rejects({ customVendors: [null] }, 'customVendors[0]', /got null/);
    rejects({ customVendors: [{ ...entry, name: 'Acme Corp' }] }, 'customVendors[0].name', /"Acme Corp"/, /lower-case/);
    rejects({ customVendors: [{ ...entry, name: 'stripe' }] }, 'customVendors[0].name', /not a built-in's \(aws, openai/);
    rejects({ customVendors: [entry, { ...entry }] }, 'customVendors[1].name', /no other customVendors entry/);
    rejects({ customVendors: [{ ...entry, hosts: [] }] }, 'customVendors[0].hosts', /"\*\.suffix" wildcard/);
    rejects({ customVendors: [{ ...entry, hosts: ['api.acme.test', 'https://acme.test/'] }] }, 'customVendors[0].hosts[1]', /"https:\/\/acme.test\/"/, /RegExp on the host name/);
    rejects({ customVendors: [{ ...entry, hosts: 'api.*.acme.test' }] }, 'customVendors[0].hosts', /"api.\*.acme.test"/);
    rejects({ customVendors: [{ ...entry, headers: 'x acme id' }] }, 'customVendors[0].headers', /valid|HTTP header name/);
    rejects({ customVendors: [{ ...entry, headers: ['x-acme-id', ''] }] }, 'customVendors[0].headers[1]', /HTTP header name/);
    rejects({ customVendors: [{ ...entry, headers: undefined }] }, 'customVendors[0].headers', /HTTP header name/);
    rejects({ customVendors: [{ ...entry, attributeName: '' }] }, 'customVendors[0].attributeName', /non-empty string/);
  });

  it('valid configs construct', () => {
    const configs: RequestIdInstrumentationConfig[] = [
      {},
      { headerName: 'Global-Request-ID', algorithm: 'ksuid', includeInResponse: false, attributeName: 'rid' },
      { algorithm: 'range_id', rangeId: { charSet: 'abcdef', length: 6 } },
      { algorithm: () => 'x', trustIncoming: ['10.0.0.0/8', '::1', '192.168.1.1'], ignore: '/healthz' },
      { rules: [{ match: ['/a', /^\/b/], headerName: 'Route-Request-ID', algorithm: 'uuidv7' }] },
      { captureVendorRequestIds: ['openai', 'downstream'], captureAwsRequestIds: false },
      { captureVendorRequestIds: false, customVendors: [{ name: 'acme_2', hosts: ['*', /^x\.test$/], headers: ['X-Acme-Id'], attributeName: 'acme.id' }] },
    ];
    for (const config of configs) new RequestIdInstrumentation(config).disable();
  });
});
