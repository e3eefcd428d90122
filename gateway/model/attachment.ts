/** An attachment as a message refers to it; the bytes live in the attachment store, keyed by sha512. */
export interface AttachmentRef {
  /** File name as given by the sender (sanitised: no path parts). */
  name: string;
  mediaType: string;
  sha512: string;
  size: number;
  /**
   * Set by ingress for an `attachmentRef` naming a hash the attachment store does not hold.
   * Such a reference is refused by the remit check at the very point another participant's
   * hash is (`attachment.uploader`), so the two cannot be told apart; it is never stored.
   */
  unknown?: true;
}
