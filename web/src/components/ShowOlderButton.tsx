import type { UseInfiniteQueryResult } from '@tanstack/react-query';

/** "Show older invoices": the next page of a list the API answers a page at a time, while there is one. */
export function ShowOlderButton({ list, label }: { list: UseInfiniteQueryResult; label: string }) {
  if (!list.hasNextPage) return null;
  return (
    <button type="button" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
      {list.isFetchingNextPage ? 'Loading…' : label}
    </button>
  );
}
