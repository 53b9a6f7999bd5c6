/**
 * The value of one sample in a Prometheus exposition text: the first line of metric `name` whose
 * labels include every one of `labels` (in any order), or undefined when there is none.
 * e.g. sample(text, 'ai_requests_total', { tool: 'echo', status: 'success' }).
 */
export function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    // Only the label set: an OpenMetrics exemplar after the value has labels of its own.
    const labelText = line.slice(name.length).split(' ')[0] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return undefined;
}
