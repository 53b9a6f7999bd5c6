/** A status as a word with a colour; the word carries the meaning, the colour only repeats it. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return <span className={`badge badge-${status}`}>{label ?? status}</span>;
}
