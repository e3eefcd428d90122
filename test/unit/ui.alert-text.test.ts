import { expect } from 'chai';
import { alertText } from '../../gateway/ui/pages/reports.js';

describe('ui: German alert descriptions from the alert\'s numbers', () => {
  it('describes each rule kind with its subject, measured value and limit', () => {
    expect(alertText({ kind: 'backlog', subject: 'zsa-hund', value: 1200, threshold: 1000 })).to.equal('1.200 Nachrichten warten auf Zustellung an zsa-hund (mehr als 1.000).');
    expect(alertText({ kind: 'oldest-undelivered', subject: 'fv-15003000-hund', value: 900, threshold: 600 })).to.equal('Die älteste unzugestellte Nachricht an fv-15003000-hund wartet seit 15 min (Grenze 10 min).');
    expect(alertText({ kind: 'dead-letters', subject: 'fv-15002000-hund', value: 2, threshold: 0 })).to.contain('2 unzustellbare Nachricht(en) an fv-15002000-hund');
    expect(alertText({ kind: 'endpoint-down', subject: 'zsa-hund', value: 125, threshold: 60 })).to.equal('Endpunkt zsa-hund ist seit 2,1 min nicht erreichbar (Grenze 1 min).');
    expect(alertText({ kind: 'certificate-expiry', subject: 'server', value: 12, threshold: 30 })).to.equal('Zertifikat server läuft in 12 Tagen ab (Warnung ab 30 Tagen).');
    expect(alertText({ kind: 'certificate-expiry', subject: 'server', value: -1, threshold: 30 })).to.equal('Zertifikat server ist abgelaufen.');
  });
});
