import { useMemo } from 'react';
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { formatCredits, formatDateTime } from '../../format.js';
import type { UsageItem } from '../../types.js';
import { moduleLabel } from './labels.js';
import { ScrollRegion } from '../../components/ScrollRegion.js';

const usageColumn = createColumnHelper<UsageItem>();
const usageColumns = [
  usageColumn.accessor('occurred_at', {
    header: 'Date',
    cell: (info) => <time dateTime={info.getValue()}>{formatDateTime(info.getValue())}</time>,
  }),
  usageColumn.accessor((row) => row.user_name ?? row.user_id, { id: 'user', header: 'User' }),
  usageColumn.accessor('action', {
    header: 'Action',
    cell: (info) => (
      <>
        {info.getValue()}
        {/* On a phone the Feature column gives way; the feature is then read under the action. */}
        <span className="usage-narrow-only muted"> · {moduleLabel(info.row.original.feature)}</span>
      </>
    ),
  }),
  usageColumn.accessor('feature', { header: 'Feature', cell: (info) => moduleLabel(info.getValue()), meta: { wideOnly: true } }),
  usageColumn.accessor('tokens', { header: 'Tokens', cell: (info) => formatCredits(info.getValue()), meta: { numeric: true, wideOnly: true } }),
  usageColumn.accessor('credits', {
    header: 'Credits',
    meta: { numeric: true },
    cell: (info) => {
      const uncollected = info.row.original.uncollected;
      return (
        <>
          {formatCredits(info.getValue())}
          {uncollected > 0 && <span className="muted"> ({formatCredits(uncollected)} not charged)</span>}
        </>
      );
    },
  }),
];

interface ColumnMeta {
  /** Right-aligned figures. */
  numeric?: boolean;
  /** Left out on narrow screens, so that Credits always fits (Tokens and Feature matter least there). */
  wideOnly?: boolean;
}

function cellClass(meta: unknown): string | undefined {
  const { numeric = false, wideOnly = false } = (meta ?? {}) as ColumnMeta;
  const names = [numeric ? 'num' : '', wideOnly ? 'usage-wide-only' : ''].filter(Boolean);
  return names.length > 0 ? names.join(' ') : undefined;
}

/** One page of AI usage; `busy` while the next page is on its way and this one is still shown. */
export function UsageTable({ items, busy }: { items: UsageItem[] | undefined; busy: boolean }) {
  // One array while the answer is the same: the table's rows are recomputed when it changes.
  const rows = useMemo(() => items ?? [], [items]);
  const table = useReactTable({ data: rows, columns: usageColumns, getCoreRowModel: getCoreRowModel(), getRowId: (row) => row.id });
  return (
    <ScrollRegion label="Usage table">
      <table className="usage-table" aria-busy={busy}>
        <caption className="visually-hidden">Usage history</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id} scope="col" className={cellClass(header.column.columnDef.meta)}>
                  {flexRender(header.column.columnDef.header, header.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id}>
              {row.getVisibleCells().map((cell) => (
                <td key={cell.id} className={cellClass(cell.column.columnDef.meta)}>
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </td>
              ))}
            </tr>
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={usageColumns.length} className="muted">
                No AI usage matches these filters.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
