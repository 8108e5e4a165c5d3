// How the store's own statements are planned: a connection that EXPLAINs each statement sent through it
// instead of running it, and what a plan reads (tables and indexes).
import type { Queryable } from '../../src/store/db.ts';

export interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly Plans?: readonly PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** A connection that plans each statement instead of running it: the plans (their nodes), in order, and no rows. */
export function planning(q: Queryable): { readonly q: Queryable; readonly plans: PlanNode[][] } {
  const plans: PlanNode[][] = [];
  const explaining: Queryable = {
    ...q,
    async query<R>(sql: string, params?: readonly unknown[]) {
      const result = await q.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      const plan = result.rows[0]?.['QUERY PLAN'][0].Plan;
      if (plan === undefined) throw new Error('no plan');
      plans.push(nodesOf(plan));
      return { rows: [] as R[], rowCount: 0 };
    },
  };
  return { q: explaining, plans };
}

/** How a plan reads tables and indexes: `Seq Scan accounts`, `Index Scan accounts_last_changed_run_idx`, … */
export const reads = (nodes: readonly PlanNode[]): string[] =>
  nodes.flatMap((n) => {
    const read = n['Index Name'] ?? n['Relation Name'];
    return read === undefined ? [] : [`${n['Node Type']} ${read}`];
  });
