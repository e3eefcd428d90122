import { readFileSync } from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { certificatesOf, CrlFile } from '../auth/crl.js';
import type { GatewayConfig } from '../config/schema.js';
import type { KeyRing } from '../crypto/at-rest.js';
import { loadAtRestRing, loadJweRing, loadRecipientKeys } from '../crypto/config-keys.js';
import type { PrivateKeyRing } from '../crypto/keyring.js';
import { readRetiredSigningKeys, SigningKey } from '../crypto/signing-key.js';
import { loadCallbackTargets, type CallbackTarget } from '../fitconnect/callbacks.js';
import { FitDestinations } from '../fitconnect/destinations.js';
import type { RecipientKeys } from '../outbox/recipient-encryption.js';
import { stateBackendOf, type StateBackend } from '../state/backend.js';
import { assertSharedKeys } from '../state/instance-keys.js';
import type { Part } from './parts.js';

/** The process's keys, certificates and secrets, all read before anything is opened. */
export interface Keys {
  /** Where the audit log, break-glass grants and FIT-Connect callbacks live: beside the store (ADR 0043). */
  state: StateBackend;
  /** At-rest keys of payloads and attachments (ADR 0009); a generated development key by default. */
  atRest: KeyRing;
  /** The gateway's JWE keys (payloads encrypted to the gateway). */
  jweKeys: PrivateKeyRing | undefined;
  /** Participants' public encryption keys, chained to the participant CA and not revoked when one is configured. */
  recipientKeys: RecipientKeys;
  /** The one revocation list in force (server.tls.crlFile), shared by mTLS and the recipient-key checks. */
  crl: CrlFile | undefined;
  /** Re-reads the CRL file; keeps the old list when the new one is invalid (logged). */
  reloadCrl(): void;
  /** Receipt and event signing key (a generated development key by default). */
  signingKey: SigningKey;
  /** FIT-Connect callback secrets (ADR 0028), when `fitConnect.enabled`. */
  callbackTargets: ReadonlyMap<string, CallbackTarget> | undefined;
  /** FIT-Connect destinations (ADR 0027), when `fitConnect.enabled`. */
  fitDestinations: FitDestinations | undefined;
  /** Closes the FIT-Connect destinations (last of all at shutdown). */
  destinations: Part;
  /** SIGHUP re-reads the CRL while the gateway runs (first thing removed at shutdown). */
  crlReload: Part;
}

/**
 * Reads every key, certificate and secret the gateway needs; throws (nothing opened but the
 * FIT-Connect destinations, closed by the caller through `destinations`) when one is missing
 * or invalid, so a bad configuration stops the start before the store is opened.
 */
export async function buildKeys(cfg: GatewayConfig, dataDir: string, log: Logger, own: (p: Part) => void): Promise<Keys> {
  // Audit log, break-glass grants and FIT-Connect callbacks follow the store (ADR 0043): SQLite files here, or the PostgreSQL database every instance shares.
  const state = stateBackendOf(cfg);
  const jweKeys = await loadJweRing(cfg.crypto.jwe?.keys);
  // Several instances on one store must hold the same keys: refuse before a development key is generated (ADR 0043).
  assertSharedKeys(cfg, state, jweKeys?.kids() ?? []);
  const atRest = loadAtRestRing(cfg.crypto.atRest, dataDir, (file) =>
    log.warn({ file }, 'generated a DEVELOPMENT at-rest key for payloads and attachments; configure crypto.atRest in production'),
  );
  // Earlier receipt signing keys, published in the JWKS beside the current one (key rotation, docs/operations.md).
  const retiredSigningKeys = readRetiredSigningKeys(cfg.crypto.retiredSigningKeyFiles ?? []);
  // FIT-Connect callback secrets (ADR 0028) are read now, so a missing one stops the start before anything is opened.
  const callbackTargets = cfg.fitConnect.enabled ? loadCallbackTargets(cfg) : undefined;
  // FIT-Connect destinations (ADR 0027): configured keys are checked now, before anything is opened; development keys are made on first use.
  const fitDestinations = cfg.fitConnect.enabled
    ? FitDestinations.load(cfg, dataDir, (file) => log.warn({ file }, 'generated a DEVELOPMENT encryption key for a FIT-Connect destination; configure crypto.jwe.keys in production'))
    : undefined;
  const destinations: Part = { name: 'fit-connect destinations', close: async () => fitDestinations?.close() };
  own(destinations);
  // Recipient keys must chain to the participant CA when one is configured (and must not be revoked).
  const tls = cfg.server.tls;
  const trustAnchors = tls ? certificatesOf(readFileSync(tls.caFile, 'utf8')) : undefined;
  // One revocation list for the whole process: what a reload (file change or SIGHUP) reads is what every check uses.
  const crl = tls?.crlFile
    ? new CrlFile(tls.crlFile, tls.caFile, {
        ...(tls.crlCheckIntervalMs !== undefined ? { checkIntervalMs: tls.crlCheckIntervalMs } : {}),
        onReload: (lists) => log.info({ crlFile: tls.crlFile, revoked: lists.reduce((n, l) => n + l.revoked.size, 0) }, 'certificate revocation list changed on disk and was reloaded'),
        onReloadError: (err) => log.error({ crlFile: tls.crlFile, err: err.message }, 'changed CRL file is not usable; the previous list stays in force'),
      })
    : undefined;
  const recipientKeys = loadRecipientKeys(cfg.participants, {
    ...(trustAnchors ? { trustAnchors } : {}),
    ...(crl ? { isRevoked: (c: X509Certificate) => crl.isRevoked(c) } : {}),
  });
  const signingKey = new SigningKey(cfg.crypto.signingKeyFile ?? join(dataDir, 'keys', 'gateway-sig.private.jwk.json'), cfg.crypto.signingKeyFile === undefined, (file) =>
    log.warn({ file }, 'generated a DEVELOPMENT signing key for receipts; configure crypto.signingKeyFile in production'),
    retiredSigningKeys,
  );
  const reloadCrl = () => {
    try {
      crl?.reload();
      log.info({ crlFile: tls?.crlFile }, 'certificate revocation list reloaded');
    } catch (err) {
      log.error({ crlFile: tls?.crlFile, err: err instanceof Error ? err.message : String(err) }, 'CRL reload failed; the previous list stays in force');
    }
  };
  const crlReload: Part = {
    name: 'crl reload on SIGHUP',
    start: () => void (crl && process.on('SIGHUP', reloadCrl)),
    close: () => void (crl && process.off('SIGHUP', reloadCrl)),
  };
  own(crlReload);
  return { state, atRest, jweKeys, recipientKeys, crl, reloadCrl, signingKey, callbackTargets, fitDestinations, destinations, crlReload };
}
