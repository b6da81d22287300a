// Where and as whom each connection attempt connects: the URL and access token are asked for
// afresh on every attempt, so a token function can renew an expired token and a URL function can
// pick another node.
import { ClientErrors, GlassClientError } from './errors.js';

/** A fixed access token, or a function returning a valid one (called for every connection attempt). */
export type TokenSource = string | (() => string | Promise<string>);
/** A fixed `ws://…/ws` URL, or a function returning one (called for every connection attempt). */
export type UrlSource = string | (() => string | Promise<string>);

/** Whether a fresh token can be had: only from a function. */
export function renewable(token: TokenSource): boolean {
  return typeof token === 'function';
}

/**
 * The URL of one attempt, with the token as `?token=` (browsers cannot set an Authorization
 * header on a WebSocket). Keep such URLs out of logs.
 */
export async function attemptUrl(url: UrlSource, token: TokenSource): Promise<string> {
  let value: unknown;
  try {
    value = typeof token === 'function' ? await token() : token;
  } catch (err) {
    throw new GlassClientError(ClientErrors.TOKEN_UNAVAILABLE, 'the token function failed', { cause: err });
  }
  if (typeof value !== 'string' || value === '') {
    throw new GlassClientError(ClientErrors.TOKEN_UNAVAILABLE, 'the token function did not return a non-empty string');
  }
  const target = new URL(typeof url === 'function' ? await url() : url);
  target.searchParams.set('token', value);
  return target.href;
}
