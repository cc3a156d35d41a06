/**
 * A minimal Prometheus exposition (text format 0.0.4): requests by method, route template
 * and status, their total duration, and a few engine gauges. Labels use the route template
 * (`/collections/:collection_name`), never the raw URL, so the series count stays bounded.
 * The observability issue replaces this with the full metric set.
 */
import type { Database } from '../engine/index.js';

interface Series {
  method: string;
  route: string;
  status: number;
  count: number;
  sumSeconds: number;
}

/** Prometheus label values escape backslash, double quote and newline. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Request counters of one server; rendered with the engine gauges on each scrape. */
export class HttpMetrics {
  private readonly series = new Map<string, Series>();

  /** Records one finished request. */
  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let entry = this.series.get(key);
    if (entry === undefined) {
      entry = { method, route, status, count: 0, sumSeconds: 0 };
      this.series.set(key, entry);
    }
    entry.count += 1;
    entry.sumSeconds += seconds;
  }

  /** The exposition text, with the engine gauges read from `db` now. */
  render(db: Database): string {
    const lines: string[] = [
      '# HELP ruvector_http_requests_total HTTP requests served, by method, route template and status.',
      '# TYPE ruvector_http_requests_total counter',
    ];
    const labelsOf = (s: Series): string => `method="${label(s.method)}",route="${label(s.route)}",status="${s.status}"`;
    for (const s of this.series.values()) lines.push(`ruvector_http_requests_total{${labelsOf(s)}} ${s.count}`);
    lines.push(
      '# HELP ruvector_http_request_duration_seconds Time spent serving HTTP requests.',
      '# TYPE ruvector_http_request_duration_seconds summary',
    );
    for (const s of this.series.values()) {
      lines.push(`ruvector_http_request_duration_seconds_sum{${labelsOf(s)}} ${s.sumSeconds}`);
      lines.push(`ruvector_http_request_duration_seconds_count{${labelsOf(s)}} ${s.count}`);
    }
    const names = db.listCollections();
    lines.push('# HELP ruvector_collections Collections in the database.', '# TYPE ruvector_collections gauge', `ruvector_collections ${names.length}`);
    lines.push('# HELP ruvector_collection_points Points per collection.', '# TYPE ruvector_collection_points gauge');
    for (const name of names) {
      if (!db.hasCollection(name)) continue; // deleted since the list was taken
      lines.push(`ruvector_collection_points{collection="${label(name)}"} ${db.collection(name).info().points}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
