import { createHash } from 'node:crypto';
import type { ProofBundle } from './proof-bundle.js';

/**
 * The German wording of the printable proof (Zustellnachweis), shared by the HTML page and
 * the PDF so both say the same. Only what the bundle holds: ids, types, times, states, hashes.
 */
export const STATE_DE: Record<string, string> = {
  received: 'empfangen',
  validated: 'geprüft',
  routed: 'geroutet',
  mapped: 'umgesetzt',
  queued: 'zur Zustellung bereit',
  retrying: 'Zustellung wird wiederholt',
  in_mailbox: 'im Postfach bereitgestellt',
  delivered: 'zugestellt',
  acknowledged: 'bestätigt',
  dead: 'nicht zustellbar',
};

/** `2026-11-03T08:15:00.000Z` → `03.11.2026, 09:15:00 (MEZ/MESZ)` in German time. */
export function germanTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', dateStyle: 'medium', timeStyle: 'medium' }).format(d)} Uhr`;
}

export interface ProofText {
  title: string;
  intro: string;
  facts: Array<[string, string]>;
  messages: Array<{ heading: string; facts: Array<[string, string]>; history: Array<[string, string, string]> }>;
  audit: Array<[string, string, string, string]>;
  verify: string[];
}

/** Digest of the manifest token itself: a short reference to print and quote. */
export function bundleReference(b: ProofBundle): string {
  return createHash('sha256').update(b.manifest).digest('hex').slice(0, 32);
}

export function proofText(b: ProofBundle): ProofText {
  const delivered = (m: ProofBundle['messages'][number]) => m.transitions.find((t) => t.to === 'delivered')?.at;
  return {
    title: 'Zustellnachweis',
    intro: `Nachweis des ZSA-Gateways über Eingang und Zustellung ${b.subject.startsWith('vorgang:') ? 'der Nachrichten eines Vorgangs' : 'einer Nachricht'}. Er enthält nur Kennungen, Nachrichtentypen, Zeitpunkte, Zustände und Prüfsummen, keine Inhalte.`,
    facts: [
      ['Gegenstand', b.subject],
      ['Erstellt am', germanTime(b.createdAt)],
      ['Aussteller', b.issuer],
      ['Nachweis-Referenz', bundleReference(b)],
      ['Schlüssel (kid)', b.keys.keys.map((k) => String(k.kid)).join(', ')],
    ],
    messages: b.messages.map((m) => ({
      heading: `Nachricht ${m.messageType}`,
      facts: [
        ['Gateway-ID', m.id],
        ['Nachrichten-UUID', m.messageUuid],
        ['Vorgang', m.vorgangId],
        ['Absender', m.author],
        ['Empfänger', m.reader],
        ['AGS', m.ags],
        ['LeiKa', m.leika || '–'],
        ['Eingang beim Gateway', germanTime(m.receivedAt)],
        ['Zugestellt', delivered(m) ? germanTime(delivered(m)!) : 'noch nicht'],
        ['Zustand', STATE_DE[m.state] ?? m.state],
        ['Größe', `${m.size} Bytes`],
        ['SHA-512', m.sha512],
        // bundles made before forms were carried (ADR 0049) have none
        ...(m.forms ?? []).map((f): [string, string] => [`Formular ${f.name} (${f.role === 'original' ? 'eingereicht' : 'zugestellt'})`, `${f.size} Bytes, SHA-512 ${f.sha512}`]),
      ],
      history: m.transitions.map((t) => [germanTime(t.at), STATE_DE[t.to] ?? t.to, t.reason]),
    })),
    audit: b.audit.entries.map((e) => [String(e.seq), germanTime(e.at), `${e.action} (${e.outcome === 'allowed' ? 'erlaubt' : 'abgewiesen'})`, e.actor]),
    verify: [
      'Prüfung ohne Verbindung zum Gateway: zsa-gateway proof verify <Datei.json> [--jwks <JWKS-Datei>]',
      `Der Prüfkopf des Audit-Protokolls (${b.audit.head.seq}:${b.audit.head.hash.slice(0, 16)}…) ist signiert; der Betrieb kann ihn mit „zsa-gateway audit verify --anchor“ gegen das vollständige Protokoll prüfen.`,
    ],
  };
}
