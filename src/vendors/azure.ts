import { ridVendor } from './vendor';

/** Azure's `x-ms-request-id`, the service's request ID that Azure support asks for. */
export const ATTR_AZURE_REQUEST_ID = 'rid.azure.request_id';
/** API Management's `apim-request-id` (also sent by Azure AI services). */
export const ATTR_AZURE_APIM_REQUEST_ID = 'rid.azure.apim_request_id';

/**
 * Azure. Both headers are Microsoft's own names, so they are read from any host: custom domains,
 * API Management gateways under your domain, and Azurite (the storage emulator) on localhost.
 */
export const azure = ridVendor(
  'azure',
  ['*.azure.com', '*.windows.net', '*.azure-api.net', '*.azurewebsites.net', '*.azure.net', '*.microsoft.com'],
  true,
  { request_id: 'x-ms-request-id', apim_request_id: 'apim-request-id' },
);
