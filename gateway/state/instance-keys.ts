import type { GatewayConfig } from '../config/schema.js';
import { GatewayError, type Issue } from '../errors.js';
import type { StateBackend } from './backend.js';

/**
 * Keys every instance must hold the same of when several share one PostgreSQL database
 * (ADR 0043). In the embedded mode each of them defaults to a development key generated in
 * the data folder on first use; with several instances each would generate its own, and
 * what one instance sealed, signed or issued would not open or verify on another. Returns
 * one issue per key left to its default (empty in the embedded mode).
 */
export function sharedKeyIssues(cfg: GatewayConfig, backend: StateBackend, jweKids: readonly string[]): Issue[] {
  if (backend.kind !== 'postgres') return [];
  const issues: Issue[] = [];
  const need = (path: string, what: string) => issues.push({ path, message: `${what}: with a shared PostgreSQL store every instance needs the same key files; a generated development key would differ per instance`, layer: 'config' });
  if (cfg.crypto.atRest === undefined) need('crypto.atRest', 'at-rest keys seal payloads and attachments');
  if (cfg.crypto.signingKeyFile === undefined) need('crypto.signingKeyFile', 'the signing key signs receipts and events');
  if (cfg.auth.mode === 'required' && cfg.auth.tokenKeyFile === undefined) need('auth.tokenKeyFile', 'the token key signs access tokens (and UI sessions)');
  if (cfg.fitConnect.enabled) {
    if (cfg.crypto.routingSigningKeyFile === undefined) need('crypto.routingSigningKeyFile', 'the routing signing key signs FIT-Connect routing results');
    cfg.fitConnect.destinations.forEach((d, i) => {
      if (!jweKids.includes(d.encryptionKey)) need(`fitConnect.destinations.${i}.encryptionKey`, `destination ${d.id} decrypts with key ${d.encryptionKey}, which crypto.jwe.keys does not hold`);
    });
  }
  return issues;
}

/** Called by gateway/server.ts before anything is opened: throws GW_CONFIG_INVALID listing every key left to a per-instance default. */
export function assertSharedKeys(cfg: GatewayConfig, backend: StateBackend, jweKids: readonly string[]): void {
  const issues = sharedKeyIssues(cfg, backend, jweKids);
  if (issues.length > 0) throw new GatewayError('GW_CONFIG_INVALID', `Several instances share this store: ${issues.length} key(s) must be configured, not generated`, { issues });
}
