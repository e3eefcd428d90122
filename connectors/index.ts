import type { ConnectorSpec } from './types.js';
import { amqpConnector } from './amqp/index.js';
import { filedropConnector } from './filedrop/index.js';
import { httpConnector } from './http/index.js';
import { mailboxConnector } from './mailbox/index.js';

/** Every connector the gateway knows, by the name endpoints use in `connector:`. Listed explicitly: no registration by import side effect. */
export const CONNECTORS: Readonly<Record<string, ConnectorSpec>> = {
  [mailboxConnector.name]: mailboxConnector as unknown as ConnectorSpec,
  [amqpConnector.name]: amqpConnector as unknown as ConnectorSpec,
  [httpConnector.name]: httpConnector as unknown as ConnectorSpec,
  [filedropConnector.name]: filedropConnector as unknown as ConnectorSpec,
};
