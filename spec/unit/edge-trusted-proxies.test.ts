import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isProxyEntry, TrustedProxies } from '../../clients/gateway/trusted-proxies.js';

test('a spoofed X-Forwarded-For from an untrusted peer is ignored', () => {
  const proxies = new TrustedProxies(['10.0.0.0/8']);
  assert.equal(proxies.clientAddress('192.0.2.9', '203.0.113.5'), '192.0.2.9');
  assert.equal(proxies.clientAddress('192.0.2.9', '10.0.0.1, 127.0.0.1'), '192.0.2.9');
  assert.equal(new TrustedProxies([]).clientAddress('127.0.0.1', '203.0.113.5'), '127.0.0.1', 'default: no proxy is trusted');
});

test('from a trusted proxy, the client is the rightmost untrusted hop', () => {
  const proxies = new TrustedProxies(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
  assert.equal(proxies.clientAddress('127.0.0.1', '203.0.113.5'), '203.0.113.5');
  // The client prepended a lie; the trusted hops appended the truth after it.
  assert.equal(proxies.clientAddress('127.0.0.1', '1.2.3.4, 198.51.100.7, 10.1.2.3'), '198.51.100.7');
  assert.equal(proxies.clientAddress('::ffff:127.0.0.1', ' 198.51.100.8 '), '198.51.100.8', 'IPv4-mapped peer');
  assert.equal(proxies.clientAddress('fd00::1', '2001:db8::5'), '2001:db8::5');
  // Every hop trusted: the leftmost one is the best there is.
  assert.equal(proxies.clientAddress('127.0.0.1', '10.0.0.2, 10.0.0.3'), '10.0.0.2');
});

test('malformed X-Forwarded-For entries are ignored without throwing', () => {
  const proxies = new TrustedProxies(['127.0.0.1', '10.0.0.0/8']);
  const hostile = ['unknown', ',,,', ' , ', '203.0.113.5:443', '999.1.1.1', '<script>', '\u0000', 'a'.repeat(100_000), '203.0.113.5,', `${'10.0.0.1,'.repeat(5_000)}203.0.113.9`];
  for (const header of hostile) {
    const client = proxies.clientAddress('127.0.0.1', header);
    assert.ok(client === '127.0.0.1' || client === '10.0.0.1' || client === '203.0.113.9', `${JSON.stringify(header.slice(0, 40))} gave ${client}`);
  }
  assert.equal(proxies.clientAddress('127.0.0.1', 'garbage, 10.0.0.4'), '10.0.0.4', 'the walk stops at the last good hop');
  assert.equal(proxies.clientAddress('127.0.0.1', '198.51.100.1, garbage'), '127.0.0.1', 'a malformed last hop counts as the proxy');
});

test('proxy entries: addresses and CIDR blocks, anything else refused', () => {
  for (const ok of ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '192.168.1.0/24', '0.0.0.0/0']) assert.equal(isProxyEntry(ok), true, ok);
  for (const bad of ['', 'proxy.local', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/-1', '10.0.0.0/ 8', '1.2.3']) assert.equal(isProxyEntry(bad), false, bad);
  assert.throws(() => new TrustedProxies(['proxy.local']), TypeError);
});
