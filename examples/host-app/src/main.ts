// #region main
import { createClient } from '@loupe-billing/client';
import { createHostApp } from './app.js';

const apiKey = process.env.LOUPE_API_KEY;
if (!apiKey) {
  console.error('Set LOUPE_API_KEY to the platform API key that `npm start` printed.');
  process.exit(1);
}
const loupe = createClient({ baseUrl: process.env.LOUPE_URL ?? 'http://127.0.0.1:3000', apiKey, timeoutMs: 5_000 });
const port = Number(process.env.PORT ?? 4000);
createHostApp({ loupe }).listen(port, '127.0.0.1', () => console.log(`Example host app on http://127.0.0.1:${port}`));
// #endregion main
