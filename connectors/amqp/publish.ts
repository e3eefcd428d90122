import { IllegalOperationError } from 'amqplib';
import type { Options } from 'amqplib';
import { NotConnectedError, PermanentError, RetryableError } from '../errors.js';
import type { DeliveryReceipt, OutboundMessage } from '../types.js';
import { describeError, type Session } from './session.js';

export interface PublishTarget {
  exchange: string;
  routingKey: string;
  unroutable: 'permanent' | 'retryable';
  timeoutMs: number;
}

/** AMQP properties and headers of one outbound message (what a consumer can rely on). */
export function publishOptions(msg: OutboundMessage): Options.Publish {
  return {
    persistent: true, // deliveryMode 2
    mandatory: true, // unroutable messages come back as basic.return before their confirm
    contentType: msg.contentType,
    messageId: msg.gatewayId,
    type: msg.messageType,
    appId: 'zsa-gateway',
    timestamp: Math.floor(Date.now() / 1000),
    headers: {
      messageUuid: msg.messageUuid,
      messageType: msg.messageType,
      vorgangId: msg.vorgangId,
      author: msg.author,
      reader: msg.reader,
      ags: msg.ags,
      leika: msg.leika,
      sha512: msg.sha512,
      attempt: msg.attempt,
      test: msg.test,
      ...(msg.form !== undefined && { form: msg.form }),
    },
  };
}

function syncPublishError(err: unknown): Error {
  if (err instanceof IllegalOperationError) return new NotConnectedError(`cannot publish: ${err.message}`, { cause: err });
  // amqplib throws RangeError when the encoded headers exceed its frame buffer: this message never fits
  if (err instanceof RangeError) return new PermanentError(`message cannot be encoded for AMQP: ${err.message}`, { cause: err });
  return new RetryableError(`publish failed: ${describeError(err)}`, { cause: err });
}

/**
 * Publishes one message on the session's confirm channel and settles once the broker
 * answered for it:
 * - ack, not returned → `delivered`;
 * - ack after a basic.return (no queue bound for the routing key) → PermanentError or
 *   RetryableError, as `target.unroutable` says;
 * - nack → RetryableError; channel or connection lost before the confirm → RetryableError
 *   (the message may have arrived: at-least-once; counted, so a message that kills the
 *   channel ends up dead instead of looping);
 * - no confirm within `timeoutMs` → RetryableError; a late confirm is then ignored.
 * No abort once published: the outcome is always known within `timeoutMs`, which keeps
 * duplicates after a shutdown rare (and adds no listener to the core's shared signal).
 */
export function publishConfirmed(session: Session, target: PublishTarget, msg: OutboundMessage): Promise<DeliveryReceipt> {
  return new Promise<DeliveryReceipt>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const timer = setTimeout(
      () => finish(() => reject(new RetryableError(`no publisher confirm within ${target.timeoutMs} ms (the broker may still have taken the message)`))),
      target.timeoutMs,
    );

    const onConfirm = (err: unknown): void => {
      const returned = session.returned.get(msg.gatewayId);
      session.returned.delete(msg.gatewayId);
      finish(() => {
        if (err) {
          const lost = !session.alive || (err instanceof Error && err.message === 'channel closed');
          reject(
            lost
              ? new RetryableError('connection to the broker lost before the publisher confirm (the message may or may not have arrived)', { cause: err })
              : new RetryableError('broker refused the message (basic.nack): a queue is full or the broker failed to store it', { cause: err }),
          );
          return;
        }
        if (returned) {
          const text = `broker returned the message as unroutable (${returned.replyCode} ${returned.replyText}): no queue bound to exchange "${target.exchange}" for routing key "${returned.routingKey}"`;
          reject(target.unroutable === 'permanent' ? new PermanentError(text) : new RetryableError(text));
          return;
        }
        resolve({ outcome: 'delivered', detail: `publisher confirm: exchange "${target.exchange}", routing key "${target.routingKey}"` });
      });
    };

    try {
      session.channel.publish(target.exchange, target.routingKey, msg.payload, publishOptions(msg), onConfirm);
    } catch (err) {
      finish(() => reject(syncPublishError(err)));
    }
  });
}
