/** A timestamp in the reader's locale; the ISO text stays in <time dateTime>. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/**
 * The end of a UUID v7 (its first digits are a timestamp, alike for jobs made close together).
 * No ellipsis: the shown text must be a word of the link's accessible name, `Job <full id>`
 * (WCAG 2.5.3, label in name), and the title shows the whole id.
 */
export function shortId(id: string): string {
  // The last group of the UUID: a whole word of the name, as assistive software matches them.
  return id.length > 12 ? (id.split('-').at(-1) ?? id) : id;
}
