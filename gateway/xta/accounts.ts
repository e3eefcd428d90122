import type { GatewayConfig, ParticipantConfig } from '../config/schema.js';
import { mailboxesOf } from '../auth/ownership.js';
import type { Principal } from '../auth/principal.js';
import { XtaFault } from './faults.js';

/** An XTA account as the gateway resolved it from `xta.accounts`: who owns it and which message box it shows. */
export interface XtaAccount {
  identifier: string;
  participant: ParticipantConfig;
  /** The pull mailbox behind the account's message box; null when the participant has none (it can still send). */
  mailbox: string | null;
}

/** The mailbox an account shows: the configured one, else the participant's own endpoint's, else its only one. */
function defaultMailbox(cfg: GatewayConfig, p: ParticipantConfig): string | null {
  const own = mailboxesOf(cfg, p);
  if (p.endpoint !== undefined) {
    const e = cfg.endpoints.find((x) => x.id === p.endpoint);
    const name = e?.connector === 'mailbox' ? e.config['mailbox'] : undefined;
    if (typeof name === 'string') return name;
  }
  return own.length === 1 ? own[0]! : null;
}

/**
 * Cross-checks of `xta.accounts` for gateway/config/load.ts (every problem, not the first):
 * the participant exists, identifiers are unique, the mailbox is one of the participant's, and a
 * participant with several mailboxes names the one the account shows.
 */
export function xtaConfigProblems(cfg: GatewayConfig): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const seen = new Set<string>();
  cfg.xta.accounts.forEach((a, i) => {
    const path = `xta.accounts.${i}`;
    if (seen.has(a.identifier)) out.push({ path: `${path}.identifier`, message: `duplicate XTA account "${a.identifier}"` });
    seen.add(a.identifier);
    const p = cfg.participants.find((x) => x.id === a.participant);
    if (!p) return out.push({ path: `${path}.participant`, message: `unknown participant "${a.participant}"` });
    const own = mailboxesOf(cfg, p);
    if (a.mailbox !== undefined && !own.includes(a.mailbox)) out.push({ path: `${path}.mailbox`, message: `mailbox "${a.mailbox}" is not one of ${p.id}'s (${own.join(', ') || 'none'})` });
    if (a.mailbox === undefined && defaultMailbox(cfg, p) === null && own.length > 1) out.push({ path: `${path}.mailbox`, message: `${p.id} has several mailboxes (${own.join(', ')}): name the one this account shows` });
    return undefined;
  });
  return out;
}

/**
 * The accounts of `xta.accounts` (checked at load). `resolve` is called for every XTA operation with
 * the authenticated caller and the `Party/Identifier` of the SOAP header: the account must exist and
 * belong to the caller's participant, else PermissionDeniedException — the same answer for an unknown
 * account and another participant's, so the fault says nothing about which accounts exist.
 */
export class XtaAccounts {
  private readonly byId = new Map<string, XtaAccount>();

  constructor(cfg: GatewayConfig) {
    for (const a of cfg.xta.accounts) {
      const participant = cfg.participants.find((p) => p.id === a.participant);
      if (!participant) continue; // refused by xtaConfigProblems at load
      this.byId.set(a.identifier, { identifier: a.identifier, participant, mailbox: a.mailbox ?? defaultMailbox(cfg, participant) });
    }
  }

  /** The account by its identifier as written in a message (author/reader), or undefined. */
  find(identifier: string): XtaAccount | undefined {
    return this.byId.get(identifier.trim());
  }

  resolve(principal: Principal | undefined, identifier: unknown): XtaAccount {
    if (typeof identifier !== 'string' || identifier.trim() === '') throw new XtaFault('PermissionDeniedException', 'the SOAP header carries no Party/Identifier (the XTA account)');
    const account = this.find(identifier);
    const caller = principal?.participant ?? null;
    if (!account || caller === null || account.participant.id !== caller.id || principal?.readOnly === true) {
      throw new XtaFault('PermissionDeniedException', 'the account is not set up for this client');
    }
    return account;
  }
}
