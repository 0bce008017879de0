import React, { useMemo } from 'react';
import { Badge, BadgeColor, Column, InteractiveTable, Text } from '@grafana/ui';

import { RequestEvent } from '../../api/types';
import { formatClock, formatMs } from '../../format';

interface Row extends RequestEvent {
  key: string;
}

function statusColor(status: number): BadgeColor {
  if (status >= 200 && status < 400) {
    return 'green';
  }
  if (status >= 400 && status < 500) {
    return 'orange';
  }
  return 'red';
}

const columns: Array<Column<Row>> = [
  { id: 'time', header: 'Time', cell: ({ row }) => formatClock(row.original.time) },
  { id: 'vu', header: 'User' },
  { id: 'method', header: 'Method' },
  { id: 'route', header: 'Route' },
  {
    id: 'status',
    header: 'Status',
    cell: ({ row }) => {
      const s = row.original.status;
      return <Badge text={s === 0 ? 'no response' : String(s)} color={statusColor(s)} />;
    },
  },
  { id: 'latencyMs', header: 'Latency', cell: ({ row }) => formatMs(row.original.latencyMs) },
];

/** RecentRequests is the run's feed of its last requests, newest first. */
export function RecentRequests({ recent, testId }: { recent: RequestEvent[] | null; testId: string }) {
  const rows = useMemo<Row[]>(
    () => (recent ?? []).map((e, i) => ({ ...e, key: `${e.time}-${e.vu}-${i}` })).reverse(),
    [recent]
  );
  if (rows.length === 0) {
    return (
      <div data-testid={testId}>
        <Text color="secondary">No requests yet.</Text>
      </div>
    );
  }
  return (
    <div data-testid={testId}>
      <InteractiveTable columns={columns} data={rows} getRowId={(r) => r.key} />
    </div>
  );
}
