import { loadValidator } from './gateway/validation/index.js';
import { wohngeldAntrag } from './test/support/xzsa-fixtures.js';
import { GatewayError } from './gateway/errors.js';
const v = await loadValidator('schemas-xoev');
const base = wohngeldAntrag({ haushaltsmitglieder: 1 });
const member = '<xzsa:mitglied><xzsa:person><xzsa:vorname>A</xzsa:vorname><xzsa:familienname>B</xzsa:familienname><xzsa:geburtsdatum>2016-13-01</xzsa:geburtsdatum></xzsa:person><xzsa:verhaeltnis>Kind</xzsa:verhaeltnis></xzsa:mitglied>';
const run = (label: string, xml: string) => { const t = performance.now(); try { v.check(Buffer.from(xml)); } catch (e) { const g = e as GatewayError; console.log(label, (xml.length/1e6).toFixed(1), 'MB', g.code, g.issues.length, g.issues[0]?.path, g.issues[49]?.path, (performance.now() - t).toFixed(0), 'ms'); } };
for (const n of [1000, 10000, 80000]) {
  const xml = base.replace('</xzsa:haushalt>', member.repeat(n) + '</xzsa:haushalt>');
  run('prefixed ' + n, xml);
  // default namespace variant: declare xzsa as default ns and drop the prefix
  const dflt = xml.replace('xmlns:xzsa="urn:zsa-gateway:xzsa:1.0"', 'xmlns="urn:zsa-gateway:xzsa:1.0"').replace(/<(\/?)xzsa:/g, '<$1');
  run('default  ' + n, dflt);
}
