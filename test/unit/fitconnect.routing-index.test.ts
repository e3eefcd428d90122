import { expect } from 'chai';
import { RoutingIndex } from '../../gateway/fitconnect/routing-index.js';
import { DEST, demoWithFitConnect, LEIKA } from '../support/fitconnect-fixture.js';

describe('FIT-Connect routing: which destination answers a place', () => {
  const index = new RoutingIndex(demoWithFitConnect());
  const ids = (leika: string, q: Parameters<RoutingIndex['find']>[1]) => index.find(leika, q).map((f) => f.destination.config.id);

  it('finds the municipality by its ARS, its AGS, its area id and its district-level ARS prefix', () => {
    expect(ids(LEIKA.hundAnmeldung, { ars: '150030000000' })).to.deep.equal([DEST.magdeburgHund]);
    expect(ids(LEIKA.hundAnmeldung, { ags: '15003000' })).to.deep.equal([DEST.magdeburgHund]);
    expect(ids(LEIKA.hundAnmeldung, { areaId: '150030000000' })).to.deep.equal([DEST.magdeburgHund]);
    expect(ids(LEIKA.hundAnmeldung, { ars: '15003' })).to.deep.equal([DEST.magdeburgHund]);
    expect(ids(LEIKA.hundAbmeldung, { ars: '150030000000' })).to.deep.equal([DEST.magdeburgHund]);
  });

  it('routes a Gemeinde configured by AGS also by its ARS (Sülzetal, Einheitsgemeinde)', () => {
    expect(ids(LEIKA.hundAnmeldung, { ags: '15083490' })).to.deep.equal([DEST.suelzetalHund]);
    expect(ids(LEIKA.hundAnmeldung, { ars: '150830490490' })).to.deep.equal([DEST.suelzetalHund]);
  });

  it('answers a place inside a district with the district (Wohngeld of Lutherstadt Wittenberg)', () => {
    expect(ids(LEIKA.wohngeld, { ars: '150910375375' })).to.deep.equal([DEST.wittenbergWohngeld]);
    expect(ids(LEIKA.wohngeld, { ags: '15091375' })).to.deep.equal([DEST.wittenbergWohngeld]);
  });

  it('finds nothing for a larger area than the destination, another service, another place or an unknown key', () => {
    expect(ids(LEIKA.hundAnmeldung, { ars: '15' })).to.deep.equal([]);
    expect(ids(LEIKA.hundAnmeldung, { ags: '15' })).to.deep.equal([]);
    expect(ids(LEIKA.wohngeld, { ars: '150830490490' })).to.deep.equal([], 'Sülzetal\'s Wohngeld authority (Landkreis Börde) is not configured');
    expect(ids(LEIKA.hundAnmeldung, { ars: '150910375375' })).to.deep.equal([]);
    expect(ids('99000000000000', { ars: '150030000000' })).to.deep.equal([]);
    expect(ids(LEIKA.hundAnmeldung, { areaId: '42' })).to.deep.equal([]);
    expect(ids(LEIKA.hundAnmeldung, { ags: '16003000' })).to.deep.equal([]);
  });

  it('searches area names by word with * wildcards and names the area type', () => {
    expect(index.search(['Mag*'])).to.deep.equal([{ id: '150030000000', name: 'Landeshauptstadt Magdeburg', type: 'Kreisfreie Stadt' }]);
    expect(index.search(['halle']).map((a) => a.id)).to.deep.equal(['150020000000']);
    expect(index.search(['*tal'])).to.deep.equal([{ id: '150830490490', name: 'Gemeinde Sülzetal', type: 'Gemeinde' }]);
    expect(index.search(['Landkreis', 'witt*'])).to.deep.equal([{ id: '150910000000', name: 'Landkreis Wittenberg', type: 'Landkreis' }]);
    expect(index.search(['Mag'])).to.deep.equal([], 'without a wildcard the whole word must match');
    expect(index.search(['Mag*', 'Halle'])).to.deep.equal([], 'every expression must match');
  });
});
