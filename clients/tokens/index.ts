// The public entry of the tokens room: access tokens (who may connect, with which roles), resume
// tokens (which rooms a reconnect may take back), and the key both are signed with.
export { ACCESS_AUDIENCE, MAX_ACCESS_TTL_MS, signAccessToken, verifyAccessToken, type AccessClaims, type TokenCheck } from './access-token.js';
export { RESUME_AUDIENCE, signResumeToken, verifyResumeToken, type ResumeClaims } from './resume-token.js';
export { DEFAULT_SECRET_FILE, MIN_SECRET_LENGTH, resolveTokenSecret, TokenSecretErrors, type TokenSecret } from './token-secret.js';
