import type { ReactNode } from 'react';
import type { JobView } from '../api/types';
import { CopyButton } from '../common/copy-button';

/**
 * Terms and values of a `<dl className="facts">` that every view of a job shows alike (the
 * Jobs detail and the sandbox's live job).
 */

/** The whole job id with its copy button; `children` follow it (e.g. a link to the job). */
export function JobIdFact({ jobId, children }: { jobId: string; children?: ReactNode }) {
  return (
    <>
      <dt>Job ID</dt>
      <dd>
        <code>{jobId}</code> <CopyButton text={jobId} label="Copy job ID" />
        {children}
      </dd>
    </>
  );
}

export function AttemptsFact({ job }: { job: Pick<JobView, 'attempts' | 'max_attempts'> }) {
  return (
    <>
      <dt>Attempts</dt>
      <dd>
        {job.attempts} of {job.max_attempts}
      </dd>
    </>
  );
}
