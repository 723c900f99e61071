import type { Db } from './database.js';

export async function readTestClock(db: Db): Promise<Date | undefined> {
  const row = await db.selectFrom('test_clock').select('now').executeTakeFirst();
  return row?.now;
}

export async function writeTestClock(db: Db, now: Date): Promise<void> {
  await db
    .insertInto('test_clock')
    .values({ now })
    .onConflict((conflict) => conflict.column('id').doUpdateSet({ now }))
    .execute();
}
