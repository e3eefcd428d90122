import { expect } from 'chai';
import type { StoreHarness } from './fixtures.js';

const SHA_A = 'a1'.repeat(64);
const SHA_B = 'b2'.repeat(64);

/** Attachment uploaders: the same bytes may have several uploaders, each kept, each durable. */
export function uploadTests(h: StoreHarness): void {
  describe('attachment uploaders', () => {
    it('keeps each uploader of the same bytes, answers only for recorded pairs, and is idempotent', async () => {
      const store = await h.open();
      expect(await store.uploadedBy(SHA_A, 'ags:15003000')).to.equal(false);
      await store.recordUpload(SHA_A, 'ags:15003000');
      await store.recordUpload(SHA_A, 'ags:15003000');
      await store.recordUpload(SHA_A, 'efa:hund-lsa');
      expect(await store.uploadedBy(SHA_A, 'ags:15003000')).to.equal(true);
      expect(await store.uploadedBy(SHA_A, 'efa:hund-lsa')).to.equal(true);
      expect(await store.uploadedBy(SHA_A, 'ags:15002000')).to.equal(false);
      expect(await store.uploadedBy(SHA_B, 'ags:15003000')).to.equal(false);
    });

    it('survives reopening the store', async () => {
      const store = await h.open();
      await store.recordUpload(SHA_B, 'fv:15002000-hund');
      const again = await h.reopen(store);
      expect(await again.uploadedBy(SHA_B, 'fv:15002000-hund')).to.equal(true);
    });
  });
}
