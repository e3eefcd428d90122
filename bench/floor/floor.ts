/**
 * The floor: Node http → amqplib confirm channel, nothing else. Reads the body, publishes it
 * persistent to the queue its AGS routes to, waits for the broker's confirm and answers 202.
 * What any Node service that hands a message to RabbitMQ with confirms costs on this machine;
 * bench/compare.ts measures the gateway against it.
 *
 *   BENCH_ROUTES='[...]' AMQP_URL=amqp://127.0.0.1 PORT=8091 tsx bench/floor/floor.ts
 */
import { createServer } from 'node:http';
import { announce, answer, answerMetrics, openConfirmChannel, publishConfirmed, readBody, routeOf, routesFromEnv } from './common.js';

const routes = routesFromEnv();
const broker = await openConfirmChannel(process.env['AMQP_URL'] ?? 'amqp://127.0.0.1', routes.values());

const server = createServer((req, res) => {
  if (answerMetrics(req, res)) return;
  const target = routeOf(req, routes);
  readBody(req)
    .then(async (body) => {
      if (!target) return answer(res, 400, 'x-bench-ags / x-bench-uuid missing or unknown');
      await publishConfirmed(broker.channel, target.route, target.uuid, body);
      answer(res, 202, JSON.stringify({ messageUuid: target.uuid }));
    })
    .catch((err: unknown) => answer(res, 503, String(err)));
});
announce(server, Number(process.env['PORT'] ?? 8091), broker.close);
