import * as assert from 'node:assert/strict';
import { get } from './support/http';
import { startApp } from './support/child-app';
import { useAppAndReceiver } from './support/app-and-receiver';

/**
 * withRequestId() names the service as `@rid/otel/register` does (the app's package.json name,
 * here test/fixtures/apps/package.json's), unless the user named it: the real NodeSDK in a child
 * process, its spans decoded at a local OTLP receiver.
 */
describe('withRequestId(): the service name', function () {
  this.timeout(60000);
  const t = useAppAndReceiver();

  async function serviceOfServerSpan(env: Record<string, string>): Promise<string | undefined> {
    t.app = await startApp(['--require', './with-request-id-sdk.js'], 'cjs-app.js', { OTEL_EXPORTER_OTLP_ENDPOINT: t.receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50', ...env });
    await get(t.app.url, { 'X-Request-Id': 'name-1' });
    const spans = await t.receiver.waitFor((s) => s.some((x) => x.kind === 'SERVER' && x.attributes['request.id'] === 'name-1'));
    return spans.find((x) => x.kind === 'SERVER')!.service;
  }

  it("is the app's package.json name when nothing names it (as register's)", async () => {
    assert.equal(await serviceOfServerSpan({}), 'rid-otel-test-apps');
  });

  it('OTEL_SERVICE_NAME wins', async () => {
    assert.equal(await serviceOfServerSpan({ OTEL_SERVICE_NAME: 'from-env' }), 'from-env');
  });

  it('service.name in OTEL_RESOURCE_ATTRIBUTES wins', async () => {
    assert.equal(await serviceOfServerSpan({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes,deployment.environment=test' }), 'from-attributes');
  });

  it("the user's own resource wins", async () => {
    assert.equal(await serviceOfServerSpan({ APP_OWN_RESOURCE: 'own-resource' }), 'own-resource');
  });
});
