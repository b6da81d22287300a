// The public entry of the player web client's server side: the `/app` routes and where the bundle
// (dist/app, built by clients/web/build.mjs from clients/web/page/) is found. The page itself is
// browser code outside the node's program (clients/web/page/, its own tsconfig).
export { WEB_CSP, mountWebApp, type WebRoutesOptions } from './web-routes.js';
export { WEB_CONTENT_TYPES, findWebAppDir, loadWebBundle, type WebAsset, type WebBundle } from './web-assets.js';
