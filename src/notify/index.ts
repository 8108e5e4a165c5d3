// Notifications, as the composition roots use them:
//
//   sync run (inside its transaction)   createRunNotifier({ config, outbox }), chained with the targets' hook by runHooksFor (src/run-hooks.ts)
//                                        → planNotifications → outbox.enqueue + saveState
//   `seatsync sync`, after the runs      deliverOutbox({ outbox, transport: createTransport(config.notify, …), logger })
//   worker notification job              the same deliverOutbox call (any number of replicas may run it)
//   `seatsync notify test`               enqueueTestMessage({ db, outbox, to: notify.to }) then deliverOutbox
//   `seatsync status`, metrics           outbox.counts() → { pending, failed, oldestPendingAt }
//   `seatsync check`                     createTransport(…).verify()
//   admin, after fixing the transport    outbox.requeueFailed({ now }); retention: outbox.purgeSent({ before })
export { backoffMs, DEFAULT_BACKOFF, DEFAULT_MAX_ATTEMPTS, deliverOutbox, enqueueTestMessage } from './deliver.ts';
export type { Backoff, DeliverOptions, DeliverResult } from './deliver.ts';
export type { ClaimOptions, NotifyAccountsPort, OutboxCounts, OutboxMessage, OutboxPort } from './outbox-port.ts';
export { createRunNotifier } from './run-notifier.ts';
export { renderMessage } from './templates.ts';
export type { RenderedMessage } from './templates.ts';
export { createTransport } from './transports/create-transport.ts';
export { DeliveryError } from './transports/transport.ts';
export type { DeliveryErrorCode, MailMessage, MailTransport } from './transports/transport.ts';
