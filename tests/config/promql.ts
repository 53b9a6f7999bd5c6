import { parser } from '@prometheus-io/lezer-promql';

/** Grafana's built-in interval variables are not PromQL; give them a duration before parsing. */
const GRAFANA_INTERVALS = /\$__(rate_interval|interval|range)\b/g;

export interface ParsedQuery {
  /** Metric names of every vector selector in the query. */
  metrics: string[];
  /** Positions the Prometheus grammar could not parse (empty when the query is valid). */
  errors: number[];
}

/** Parses a PromQL expression with Prometheus' own grammar (the one its UI uses). */
export function parsePromql(expr: string): ParsedQuery {
  const text = expr.replace(GRAFANA_INTERVALS, '5m');
  const metrics: string[] = [];
  const errors: number[] = [];
  parser.parse(text).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      // A vector selector's metric name is its Identifier child; label names are LabelName nodes.
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        metrics.push(text.slice(node.from, node.to));
      }
    },
  });
  return { metrics, errors };
}
