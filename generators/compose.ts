/** docker compose with Prometheus scraping the app and Grafana showing a provisioned dashboard. */
import { common, type Generator } from '../src/spawn/types.js';

function panel(id: number, title: string, expr: string, y: number, unit: string) {
  return {
    id,
    title,
    type: 'timeseries',
    datasource: { type: 'prometheus', uid: 'prometheus' },
    gridPos: { h: 8, w: 12, x: (id - 1) % 2 === 0 ? 0 : 12, y },
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: [{ refId: 'A', expr, datasource: { type: 'prometheus', uid: 'prometheus' } }],
  };
}

const generator: Generator = {
  concern: 'compose',
  context: () => ({
    prometheusImage: 'prom/prometheus:v2.55.1',
    grafanaImage: 'grafana/grafana:11.3.1',
  }),
  files: (input) => {
    const a = common(input);
    const panels = [
      panel(1, 'Requests per second', 'sum by (route) (rate(http_requests_total[5m]))', 0, 'reqps'),
      panel(
        2,
        'Request latency (p95)',
        'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
        0,
        's',
      ),
      panel(3, 'Error rate', 'sum(rate(http_requests_total{status=~"5.."}[5m]))', 8, 'reqps'),
    ];
    if (a.kind === 'worker') {
      panels.push(
        panel(
          4,
          'Messages handled',
          'sum by (outcome) (rate(worker_messages_total[5m]))',
          8,
          'short',
        ),
      );
    }
    const dashboard = {
      uid: a.name.slice(0, 40),
      title: a.name,
      tags: [a.kind],
      timezone: 'utc',
      schemaVersion: 39,
      refresh: '30s',
      time: { from: 'now-1h', to: 'now' },
      panels,
    };
    return [
      {
        path: `monitoring/grafana/dashboards/${a.name}.json`,
        content: JSON.stringify(dashboard, null, 2) + '\n',
      },
    ];
  },
};
export default generator;
