import Fastify from 'fastify';

/**
 * The ceiling of one Node HTTP process on this machine: Fastify with no hooks, no plugins, no schemas,
 * no database and no logger. The benchmark measures it with the same load generator, connection count
 * and duration as every scenario, and reports each scenario as a share of it. `PORT` names the port;
 * it prints `listening` once it accepts connections.
 */
const app = Fastify({ logger: false });

app.get('/get', async () => ({ status: 'ok' }));
app.post('/post', async (request) => ({ received: (request.body as { idempotency_key?: unknown }).idempotency_key ?? null, status: 'ok' }));

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3390) });
process.stdout.write('listening\n');
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
