/** An attachment as a message refers to it; the bytes live in the attachment store, keyed by sha512. */
export interface AttachmentRef {
  /** File name as given by the sender (sanitised: no path parts). */
  name: string;
  mediaType: string;
  sha512: string;
  size: number;
}
