import type { RequestHandler } from 'express';
import { addressKeyOf } from '../auth/token-endpoint.js';
import { GatewayError } from '../errors.js';

/**
 * A fixed-window request limit per caller address (IPv6: its /64), in memory per gateway
 * instance, for the public FIT-Connect Routing API (ADR 0028). Like FIT-Connect's routing
 * service it answers every request with `RateLimit-Limit`, `RateLimit-Remaining` and
 * `RateLimit-Reset` (seconds until the window ends) and refuses the request over the limit
 * with 429 GW_RATE_LIMITED and `Retry-After`. At most `maxKeys` addresses are tracked; the
 * oldest window is forgotten first.
 */
export interface WindowLimitOptions {
  limit: number;
  windowMs: number;
  maxKeys: number;
  now?: () => number;
}

export function windowLimit(o: WindowLimitOptions): RequestHandler {
  const now = o.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();
  return (req, res, next) => {
    const t = now();
    const key = addressKeyOf(req.socket.remoteAddress);
    let w = windows.get(key);
    if (!w || t - w.start >= o.windowMs) {
      windows.delete(key);
      w = { start: t, count: 0 };
      windows.set(key, w);
      if (windows.size > o.maxKeys) windows.delete(windows.keys().next().value!);
    }
    w.count += 1;
    const reset = Math.max(1, Math.ceil((w.start + o.windowMs - t) / 1000));
    res.setHeader('RateLimit-Limit', String(o.limit));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, o.limit - w.count)));
    res.setHeader('RateLimit-Reset', String(reset));
    if (w.count > o.limit) {
      next(new GatewayError('GW_RATE_LIMITED', `more than ${o.limit} requests within ${o.windowMs / 1000} s from this address; try again in ${reset} s`, { extra: { retryAfterSeconds: reset } }));
      return;
    }
    next();
  };
}
