/**
 * Whether an action may run now: the kill switch (ACTIONS_ENABLED=false refuses every
 * execution, sync and async, with 503 while reads go on) and the allowlist (the workspace's
 * own, else ALLOW_ACTIONS_DEFAULT; `*` allows every action). Refusals name the action.
 */
import { AppError } from '@opsconductor/kit';
import type { SettingsSource } from './settings';

export type Allowlist = readonly string[] | '*';

export interface ActionPolicyOptions {
  actionsEnabled: boolean;
  defaultAllowlist: Allowlist;
  settings: SettingsSource;
}

export class ActionPolicy {
  constructor(private readonly opts: ActionPolicyOptions) {}

  /**
   * Throws the refusal, if any. `action` is undefined when the pipeline would choose the tool
   * from the input: allowed only where every action is, since the choice cannot be checked first.
   */
  async check(workspaceId: string, action: string | undefined, field: string): Promise<void> {
    if (!this.opts.actionsEnabled) {
      throw new AppError('UNAVAILABLE', 'actions are disabled on this platform (kill switch ACTIONS_ENABLED=false); reads still work', { retryAfterS: 60 });
    }
    const allowlist = await this.allowlistOf(workspaceId);
    if (allowlist === '*') return;
    if (action === undefined) {
      throw new AppError('FORBIDDEN', 'this workspace allows only listed actions: name the tool', { details: [{ field, message: `required; allowed: ${allowlist.join(', ') || 'none'}` }] });
    }
    if (!allowlist.includes(action)) {
      throw new AppError('FORBIDDEN', `action "${action}" is not allowed in this workspace`, { details: [{ field, message: `allowed: ${allowlist.join(', ') || 'none'}` }] });
    }
  }

  /** The workspace's own allowlist, else the platform default. */
  async allowlistOf(workspaceId: string): Promise<Allowlist> {
    try {
      return (await this.opts.settings.resolve(workspaceId)).allowed_actions ?? this.opts.defaultAllowlist;
    } catch (err) {
      throw new AppError('UNAVAILABLE', 'the workspace settings are unavailable; retry later', { retryAfterS: 1, cause: err });
    }
  }

  /** Whether actions run at all (ACTIONS_ENABLED). */
  get actionsEnabled(): boolean {
    return this.opts.actionsEnabled;
  }
}

/**
 * ALLOW_ACTIONS_DEFAULT: `*` (every action) or a comma list; blanks are ignored. `llm`, the old
 * name of `llm.complete` (which ai-pipeline still runs), allows both, as migration 0007 does for
 * the workspaces' own lists.
 */
export function parseAllowlist(value: string): Allowlist {
  const trimmed = value.trim();
  if (trimmed === '*') return '*';
  const names = trimmed.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.includes('llm')) names.push('llm.complete');
  return [...new Set(names)];
}
