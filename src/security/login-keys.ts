import ipaddr from 'ipaddr.js';
import { createHash } from 'node:crypto';

/** An address as limits count it: an IPv4 address, or the /64 network of an IPv6 one. */
export function clientNetwork(ip: string | undefined): string {
  if (!ip || !ipaddr.isValid(ip)) return 'unknown';
  const parsed = ipaddr.process(ip); // an IPv4-mapped IPv6 address is its IPv4 address
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/64`).toString()}/64`;
}

/** A short, fixed-length digest (keys stay within their column, whatever the address's length). */
export const digest = (value: string) =>
  createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 40);

/**
 * The rate-limit keys about sign-in, in one place: the limits (auth) and the password links
 * (users) both use them. E-mail addresses only as digests.
 */
export const LOGIN_KEYS = {
  ip: (network: string) => `login:ip:${network}`,
  accountFromIp: (email: string, network: string) => `login:account-ip:${digest(email)}:${network}`,
  account: (email: string) => `login:account:${digest(email)}`,
  /** A network this account signed in from: the account-wide limit does not apply there. */
  knownNetwork: (email: string, network: string) => `login:known:${digest(`${email}|${network}`)}`,
  /** Every failure count of the account (a new password clears them). */
  accountPrefixes: (email: string) => [
    `login:account-ip:${digest(email)}:`,
    `login:account:${digest(email)}`,
  ],
};
