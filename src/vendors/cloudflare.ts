import { ridVendor } from './vendor';

/** Cloudflare's `cf-ray`, the ray ID Cloudflare support asks for. */
export const ATTR_CLOUDFLARE_RAY_ID = 'rid.cloudflare.ray_id';

/**
 * Cloudflare's own API and Workers. Every site behind Cloudflare sends `cf-ray`, so reading it
 * from any host would put it on most calls to the internet: it is read from Cloudflare's hosts
 * only. For a zone of yours, add a `customVendors` entry with its hosts.
 */
export const cloudflare = ridVendor('cloudflare', ['api.cloudflare.com', '*.cloudflare.com', '*.workers.dev'], false, {
  ray_id: 'cf-ray',
});
