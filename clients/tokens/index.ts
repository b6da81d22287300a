// The public entry of the tokens room: access tokens (who may connect, with which roles), resume
// tokens (which rooms a reconnect may take back), the access-token key pair (the issuer signs with
// the private key, nodes verify with the public one) and the nodes' own resume-token secret.
export { ACCESS_AUDIENCE, CLOCK_TOLERANCE_MS, MAX_ACCESS_TTL_MS, signAccessToken, verifyAccessToken, type AccessClaims, type TokenCheck } from './access-token.js';
export { MAX_RESUME_TTL_MS, RESUME_AUDIENCE, signResumeToken, verifyResumeToken, type ResumeClaims } from './resume-token.js';
export { DEFAULT_SECRET_FILE, MIN_SECRET_LENGTH, resolveTokenSecret, TokenSecretErrors, type TokenSecret } from './token-secret.js';
export {
  DEFAULT_PRIVATE_KEY_FILE,
  DEFAULT_PUBLIC_KEY_FILE,
  generateTokenKeyPair,
  parseTokenKey,
  publicKeyPem,
  resolveTokenPrivateKey,
  resolveTokenPublicKey,
  TOKEN_ALGORITHMS,
  tokenAlgorithm,
  type ResolvedTokenKey,
  type TokenAlgorithm,
} from './token-keys.js';
