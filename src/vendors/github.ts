import { ridVendor } from './vendor';

/** GitHub's `X-GitHub-Request-Id`, which GitHub support asks for. */
export const ATTR_GITHUB_REQUEST_ID = 'rid.github.request_id';

/**
 * GitHub. The header is GitHub's own, so it is read from any host: GitHub Enterprise Server runs
 * under your own domain and sends it too.
 */
export const github = ridVendor('github', ['github.com', '*.github.com', '*.githubusercontent.com'], true, {
  request_id: 'x-github-request-id',
});
