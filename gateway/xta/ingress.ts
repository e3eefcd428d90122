import type { AttachmentRef, MessageHeader } from '../model/index.js';
import type { IngressPipeline } from '../ingress/pipeline.js';

/** What sendMessage hands to the gateway: the XÖV message, its stored attachments and the header check of the caller. */
export interface XtaSubmission {
  payload: Buffer;
  attachments: AttachmentRef[];
  /** `xta:<account>` for logs and the rejection log; never citizen data. */
  remote: string;
  /** Throws to refuse the message once its header is known (author is the caller, reader is the transport order's). */
  checkHeader: (h: MessageHeader) => void;
}

/** The gateway's answer: the message is durably stored (or was already, same author and UUID). */
export interface XtaStored {
  gatewayId: string;
  duplicate: boolean;
}

/**
 * The one place where the XTA service hands a received message to the gateway: the ingress
 * pipeline itself, not the connectors' generic IngressSink (gateway/ingress/sink.ts), because a
 * sendMessage carries attachments and a per-call header check (author = the caller's account,
 * reader = the transport order's), which an InboundItem has no room for. Resolves only after
 * durable storage; rejects with the pipeline's GatewayError (refused and recorded, or retryable).
 */
export type XtaIngress = (s: XtaSubmission) => Promise<XtaStored>;

/** The pipeline as XTA's ingress. Admission control (ADR 0036) is entered by sendMessage before this, ahead of the attachments' writes (operations.ts). */
export function pipelineIngress(pipeline: IngressPipeline): XtaIngress {
  return async (s) => {
    const r = await pipeline.submit(s.payload, s.attachments, { remote: s.remote, checkHeader: s.checkHeader });
    return { gatewayId: r.receipt.gatewayId, duplicate: r.outcome === 'duplicate' };
  };
}
