import type { WorkspaceSettings } from '@opsconductor/db';

/** Where a workspace's own limit and allowlist come from (the database, cached). */
export interface SettingsSource {
  resolve(workspaceId: string): Promise<WorkspaceSettings>;
}
