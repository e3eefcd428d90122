import { expect } from 'chai';
import type { Principal } from '../../gateway/auth/principal.js';
import { XtaAccounts, xtaConfigProblems } from '../../gateway/xta/accounts.js';
import { XtaFault } from '../../gateway/xta/faults.js';
import { testConfig } from '../support/gateway.js';

/** `xta.accounts` is checked at load with every problem listed, and an account resolves only for its own participant. */
describe('xta: accounts — configuration checks and binding to the caller', () => {
  const cfg = testConfig();
  const principal = (id: string, readOnly = false): Principal => {
    const p = cfg.participants.find((x) => x.id === id)!;
    return { role: p.kind, participant: p, via: 'mtls', readOnly, label: `participant:${id}` };
  };

  it('lists an unknown participant, a duplicate identifier, a foreign mailbox and a ZSA without its mailbox', () => {
    const c = structuredClone(cfg);
    c.xta.accounts = [
      { identifier: 'a', participant: 'nobody' },
      { identifier: 'ags:15003000', participant: 'magdeburg' },
      { identifier: 'ags:15003000', participant: 'magdeburg' },
      { identifier: 'b', participant: 'magdeburg', mailbox: 'fv-15002000-hund' },
      { identifier: 'c', participant: 'zsa-lsa' },
    ];
    expect(xtaConfigProblems(c).map((p) => p.path)).to.deep.equal(['xta.accounts.0.participant', 'xta.accounts.2.identifier', 'xta.accounts.3.mailbox', 'xta.accounts.4.mailbox']);
  });

  it('the demo configuration has no problems', () => {
    expect(xtaConfigProblems(cfg)).to.deep.equal([]);
  });

  it('resolves an account for its participant only; unknown and foreign accounts, other spellings, read-only tokens and no participant are refused alike', () => {
    const accounts = new XtaAccounts(cfg);
    expect(accounts.resolve(principal('magdeburg'), 'ags:15003000').mailbox).to.equal('fv-15003000-hund');
    expect(accounts.resolve(principal('zsa-lsa'), 'zsa:lsa-hund').mailbox).to.equal('zsa-hund');
    const refusals: Array<[Principal | undefined, unknown]> = [
      [principal('halle'), 'ags:15003000'],
      [principal('magdeburg'), 'AGS:15003000'],
      [principal('magdeburg'), 'ags:015003000'],
      [principal('magdeburg'), 'nobody'],
      [principal('magdeburg'), undefined],
      [principal('magdeburg', true), 'ags:15003000'],
      [undefined, 'ags:15003000'],
      [{ role: 'admin', participant: null, via: 'local', readOnly: false, label: 'anonymous@x' }, 'ags:15003000'],
    ];
    for (const [p, id] of refusals) {
      let err: unknown;
      try {
        accounts.resolve(p, id);
      } catch (e) {
        err = e;
      }
      expect(err, `${p?.label} ${String(id)}`).to.be.instanceOf(XtaFault);
      expect((err as XtaFault).exception).to.equal('PermissionDeniedException');
    }
  });
});
