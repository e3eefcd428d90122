import { randomUUID } from 'node:crypto';
import {
  gatewayFehler, gatewayQuittung, hundAnmeldung, hundFreigabe, hundSteuerfestsetzung, wohngeldAntrag, wohngeldNachforderung, wohngeldPruefergebnis,
} from '../../support/xzsa-fixtures.js';
import { expectCodes, lazyXmlPost, type HostileEntry } from './types.js';

/**
 * Messages that are well-formed and schema-valid but outside their author's remit
 * (docs/security.md): unknown or non-party authors, `gateway.*` types, foreign AGS and
 * services, the ZSA beyond its Verwaltungshelfer limits. They need no stored Vorgang, so
 * they are refused on the header alone, on every channel (here: HTTP with `auth.mode: off`,
 * where only the header names the author).
 */
const entries: HostileEntry[] = [];
const forbidden = expectCodes('GW_FORBIDDEN');
const add = (family: string, name: string, build: () => string, expect = forbidden) => entries.push({ family, name, send: lazyXmlPost(build), expect });

const MD = '15003000';
const HAL = '15002000';
const DE = '15001000';

// Authors that are no participant allowed to write: unknown, look-alike, operator/admin, the gateway itself.
for (const author of ['gw:zsa-gateway', 'op:betrieb', 'op:admin', 'ags:99999999', 'efa:hund-lsa2', 'efa:Hund-lsa', 'zsa:LSA', 'fv:15003000-HUND', 'efa:hund-lsa.', 'ags:015003000']) {
  add('remit-author', `application from ${author}`, () => hundAnmeldung({ ags: MD, author }));
}
add('remit-author', 'upper-case prefix (schema pattern)', () => hundAnmeldung({ ags: MD, author: 'EFA:hund-lsa' }), expectCodes('GW_XSD_INVALID', 'GW_FORBIDDEN'));

// gateway.* types are written by the gateway only.
for (const author of ['efa:hund-lsa', 'zsa:lsa', `ags:${MD}`, 'fv:15003000-hund', 'gw:zsa-gateway']) {
  add('remit-gateway-types', `gateway.quittung.0901 from ${author}`, () => gatewayQuittung({ ags: MD, vorgangId: randomUUID(), author, reader: 'efa:hund-lsa' }));
  add('remit-gateway-types', `gateway.fehler.0902 from ${author}`, () => gatewayFehler({ ags: MD, vorgangId: randomUUID(), author, reader: 'efa:hund-lsa' }));
}

// Own AGS, own services, the route's authors.
add('remit-scope', 'Halle files an application for Magdeburg', () => hundAnmeldung({ ags: MD, author: `ags:${HAL}` }));
add('remit-scope', 'Halle files an application for itself (applications come from EfA services)', () => hundAnmeldung({ ags: HAL, author: `ags:${HAL}` }));
add('remit-scope', 'Halle\'s Fachverfahren files for Magdeburg', () => hundAnmeldung({ ags: MD, author: 'fv:15002000-hund' }));
add('remit-scope', 'Hund EfA service files a Wohngeld application', () => wohngeldAntrag({ ags: MD, author: 'efa:hund-lsa' }));
add('remit-scope', 'Wohngeld EfA service files a Hund application', () => hundAnmeldung({ ags: MD, author: 'efa:wohngeld-lsa' }));
add('remit-scope', 'the ZSA opens a case itself', () => hundAnmeldung({ ags: MD, author: 'zsa:lsa' }));
add('remit-scope', 'the ZSA files for Halle (delegates nothing)', () => wohngeldAntrag({ ags: HAL, author: 'zsa:lsa' }));

// Follow-ups outside the author's remit are refused before their Vorgang is looked up: with
// a fresh Vorgang id they get 403, not GW_VORGANG_UNKNOWN, so they reveal nothing about it.
const follow = (name: string, build: () => string) => add('remit-follow-up', name, build);
follow('Halle\'s Fachverfahren pushes a Prüfergebnis into Magdeburg\'s Fachverfahren', () => wohngeldPruefergebnis({ ags: MD, vorgangId: randomUUID(), author: 'fv:15002000-hund', reader: 'fv:15003000-wohngeld' }));
follow('Halle releases a draft of Magdeburg', () => hundFreigabe({ ags: MD, vorgangId: randomUUID(), author: `ags:${HAL}`, reader: 'efa:hund-lsa' }));
follow('ZSA Nachforderung for Halle (delegates nothing)', () => wohngeldNachforderung({ ags: HAL, vorgangId: randomUUID(), author: 'zsa:lsa', reader: 'efa:wohngeld-lsa' }));
follow('ZSA draft to the citizen for Dessau (backoffice)', () => hundSteuerfestsetzung({ ags: DE, vorgangId: randomUUID(), author: 'zsa:lsa', reader: 'efa:hund-lsa' }));
follow('Fachverfahren Hund writes a Wohngeld Nachforderung', () => wohngeldNachforderung({ ags: MD, vorgangId: randomUUID(), author: 'fv:15003000-hund', reader: `ags:${MD}` }));

export const REMIT_ENTRIES: readonly HostileEntry[] = entries;
