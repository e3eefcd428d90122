/**
 * SIMULATOR — what every simulated Wohngeld Fachverfahren does, whatever its channel: it sends
 * the ZSA's Nachforderung on to the citizen (backoffice / Prozessschritt: the municipality
 * keeps citizen contact; demo.yaml routes the ZSA's Nachforderung to the Fachverfahren and
 * the municipality's to the citizen), and it takes in the complete case file
 * (wohngeld.weiterleitung.0205) — or, where Wohngeld is not delegated, the application itself.
 * Either of the last two ends the case.
 */
import { nachforderung, textOf } from '../xzsa.js';
import { isoDay, type SimContext } from './context.js';
import type { DemoMunicipality } from '../participants.js';

export async function wohngeldAtFachverfahren(ctx: SimContext, m: DemoMunicipality, msg: { vorgangId: string; messageType: string; xml: string; format: string }): Promise<boolean> {
  const to = `FV ${m.short}`;
  const readable = textOf(msg.xml, 'vorgangsID') === msg.vorgangId;
  if (msg.messageType === 'wohngeld.nachforderung.0203') {
    ctx.tracker.hop(msg.vorgangId, { from: 'ZSA clerk', to, messageType: msg.messageType, format: msg.format });
    const missing = [...msg.xml.matchAll(/<(?:\w+:)?fehlendeUnterlage>([\s\S]*?)<\/(?:\w+:)?fehlendeUnterlage>/g)].map((x) => ({
      art: /<code>(\d+)<\/code>/.exec(x[1] ?? '')?.[1] ?? '99',
      beschreibung: textOf(x[1] ?? '', 'beschreibung') ?? 'weiterer Nachweis',
    }));
    const head = { uuid: ctx.rng.uuid(), vorgangId: msg.vorgangId, leika: textOf(msg.xml, 'leikaSchluessel') ?? '', ags: m.ags, author: `fv:${m.ags}-wohngeld`, reader: 'efa:wohngeld-lsa' };
    await ctx.client.submit(nachforderung(head, { antragUuid: textOf(msg.xml, 'bezugAntrag') ?? '', missing, frist: textOf(msg.xml, 'frist') ?? isoDay(14) }), 'application/xml');
  } else if (msg.messageType === 'wohngeld.weiterleitung.0205') {
    ctx.tracker.hop(msg.vorgangId, { from: 'ZSA clerk', to, messageType: msg.messageType, format: msg.format });
    ctx.tracker.finish(msg.vorgangId);
  } else if (msg.messageType === 'wohngeld.antrag.0201') {
    ctx.tracker.hop(msg.vorgangId, { from: 'EfA Wohngeld', to, messageType: msg.messageType, format: msg.format });
    ctx.tracker.finish(msg.vorgangId);
  } else {
    ctx.warn(`${to} simulator: unexpected ${msg.messageType} in Vorgang ${msg.vorgangId}, taken without action`);
  }
  return readable;
}
