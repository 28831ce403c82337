/**
 * The studio's request checks, in the order they run: the Host header must
 * name the bound address (a DNS-rebinding page reaches us under its own name),
 * the token must come with the request (cookie, header, or `?token=` on the
 * page itself), and state-changing requests must come from our own origin.
 * Every response carries the cross-origin isolation headers that wasm threads
 * need and a strict content security policy.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** A fresh random token: 32 bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Headers sent with every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
    "img-src 'self' blob: data:; connect-src 'self' blob: data:; worker-src 'self' blob:; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

/** The cookie name for a studio on `port` (cookies ignore ports, so two studios must not share one). */
export function cookieName(port: number): string {
  return `pastiche_studio_${port}`;
}

/** The Set-Cookie value that stores the token: HttpOnly, SameSite=Strict, whole site. */
export function tokenCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

/** Constant-time comparison of a presented token with ours. */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of cookie `name` in a Cookie header, if present. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The Host header values that name the bound address: `host:port` (IPv6 in
 * brackets), plus `localhost:port` when bound to a loopback address, since
 * that is what people type, and every interface's address for 0.0.0.0 or ::.
 */
export function allowedHosts(host: string, port: number): Set<string> {
  const name = isIP(host) === 6 ? `[${host}]` : host;
  const out = new Set([`${name}:${port}`.toLowerCase()]);
  const wildcard = host === '0.0.0.0' || host === '::';
  if (host === '127.0.0.1' || host === '::1' || host === 'localhost' || wildcard) {
    out.add(`localhost:${port}`);
    out.add(`127.0.0.1:${port}`);
    if (host === '::1') out.add(`[::1]:${port}`);
  }
  if (wildcard) {
    // Bound to every interface: each interface's own address names us.
    for (const i of Object.values(networkInterfaces()).flat()) {
      if (i === undefined) continue;
      out.add((i.family === 'IPv6' ? `[${i.address}]:${port}` : `${i.address}:${port}`).toLowerCase());
    }
  }
  return out;
}

/** How a request proved it holds the token. */
export type AuthMethod = 'cookie' | 'header' | 'query';

/** Methods that change state: these need a same-origin Origin (or a header token). */
export const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The request facts the checks need. */
export interface RequestFacts {
  method: string;
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  cookie: string | undefined;
  headerToken: string | undefined;
  queryToken: string | undefined;
  /** True for the HTML page itself, where `?token=` is accepted. */
  isPage: boolean;
}

/** The outcome of {@link checkRequest}: allowed (with how), or refused with a status and reason. */
export type CheckResult = { ok: true; auth: AuthMethod } | { ok: false; status: 401 | 403; message: string };

/**
 * Runs every check on one request. Order matters: a foreign Host is refused
 * before the token is looked at, so a rebinding page learns nothing.
 */
export function checkRequest(r: RequestFacts, token: string, hosts: Set<string>, port: number): CheckResult {
  const host = r.host?.toLowerCase();
  if (host === undefined || !hosts.has(host)) {
    return {
      ok: false,
      status: 403,
      message: `Host '${r.host ?? ''}' is not this studio's address (expected ${[...hosts].join(' or ')})`,
    };
  }
  let auth: AuthMethod | undefined;
  if (tokenMatches(r.headerToken, token)) auth = 'header';
  else if (tokenMatches(readCookie(r.cookie, cookieName(port)), token)) auth = 'cookie';
  else if (r.isPage && r.method === 'GET' && tokenMatches(r.queryToken, token)) auth = 'query';
  if (auth === undefined) {
    const why = r.headerToken !== undefined || r.queryToken !== undefined ? 'a wrong token' : 'no token';
    return {
      ok: false,
      status: 401,
      message: `This request carries ${why}: open the address the studio printed (it ends in ?token=...)`,
    };
  }
  if (STATE_CHANGING.has(r.method)) {
    if (r.secFetchSite !== undefined && r.secFetchSite !== 'same-origin' && r.secFetchSite !== 'none') {
      return { ok: false, status: 403, message: `Cross-site ${r.method} refused (Sec-Fetch-Site: ${r.secFetchSite})` };
    }
    if (r.origin !== undefined) {
      let originHost: string | undefined;
      try {
        const u = new URL(r.origin);
        originHost = u.protocol === 'http:' ? u.host.toLowerCase() : undefined;
      } catch {
        originHost = undefined;
      }
      if (originHost === undefined || !hosts.has(originHost)) {
        return { ok: false, status: 403, message: `Origin '${r.origin}' may not change this studio's state` };
      }
    } else if (auth === 'cookie') {
      // Browsers send Origin on every POST; a cookie without one is not a page of ours.
      return { ok: false, status: 403, message: `${r.method} with the cookie needs an Origin header` };
    }
  }
  return { ok: true, auth };
}
