import { GatewayError } from '../errors.js';
import type { CallbackTarget } from './callbacks.js';

const bad = (message: string, path: string) => new GatewayError('GW_BAD_REQUEST', message, { issues: [{ message, path }] });

/**
 * The body of `PATCH /v1/destinations/{id}` as the gateway takes it (ADR 0041): exactly
 * `{ "callback": { "url", "secret" } }`. Everything else of a destination is configuration
 * (`fitConnect.destinations`), so any other member is GW_BAD_REQUEST naming it; the URL policy
 * and the secret's rules are the notifier's (CallbackNotifier.setTarget). Never echoes the secret.
 */
export function callbackUpdateOf(body: Record<string, unknown>): CallbackTarget {
  const other = Object.keys(body).filter((k) => k !== 'callback');
  if (other.length > 0) throw bad(`only callback can be changed over the API; ${other.slice(0, 5).join(', ')} are configuration (fitConnect.destinations)`, `/${other[0]!.slice(0, 64)}`);
  const cb = body['callback'];
  if (typeof cb !== 'object' || cb === null || Array.isArray(cb)) throw bad('callback must be an object with url and secret', '/callback');
  const { url, secret, ...rest } = cb as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw bad(`callback has unknown members: ${unknown.slice(0, 5).join(', ')}`, `/callback/${unknown[0]!.slice(0, 64)}`);
  if (typeof url !== 'string' || url.length > 2048) throw bad('callback.url must be a URL of at most 2048 characters', '/callback/url');
  if (typeof secret !== 'string') throw bad('callback.secret must be a string', '/callback/secret');
  return { url, secret };
}
