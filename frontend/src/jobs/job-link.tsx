import { shortId } from '../common/format';
import { jobHref } from '../route';

/**
 * A job's id in a table cell: the short form shown, the whole id in the link's name and title,
 * opening the job's detail.
 */
export function JobLink({ jobId }: { jobId: string }) {
  return (
    <a href={jobHref(jobId)} aria-label={`Job ${jobId}`} title={jobId}>
      <code>{shortId(jobId)}</code>
    </a>
  );
}
