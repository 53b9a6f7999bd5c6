/**
 * Sets the weights of an upstream's targets in kong.yml text, finding each target by a tag
 * (`stable`, `canary`), for canary tooling that then POSTs the result to Kong's /config. The
 * YAML is edited as a document, not re-serialised from data, so comments and layout survive
 * and the file under review stays the one that runs.
 */
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { YAMLMap } from 'yaml';
import { checkGatewayConfig } from './kong-config/load';

/** Kong's range for a target's weight (kong/db/schema/entities/targets.lua). */
export const MAX_TARGET_WEIGHT = 65535;

/** A request that cannot be carried out; the message is one line. */
export class TargetWeightsError extends Error {
  override name = 'TargetWeightsError';
}

/**
 * kong.yml `text` with the target tagged `tag` of upstream `upstream` set to `weight`, for
 * each entry of `weights`. Throws TargetWeightsError when the upstream is missing, a tag
 * matches no target or several, two tags name one target, or the result fails the checks the
 * stand-in runs at start.
 */
export function setTargetWeights(text: string, upstream: string, weights: ReadonlyMap<string, number>): string {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new TargetWeightsError(`not valid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}`);
  const upstreams = doc.get('upstreams');
  const entry = isSeq(upstreams) ? upstreams.items.find((u) => isMap(u) && u.get('name') === upstream) : undefined;
  if (!isMap(entry)) throw new TargetWeightsError(`no upstream named '${upstream}'`);
  const targets = entry.get('targets');
  const targetNodes = isSeq(targets) ? targets.items.filter(isMap) : [];

  const chosen = new Map<YAMLMap, string>();
  for (const [tag, weight] of weights) {
    if (!Number.isInteger(weight) || weight < 0 || weight > MAX_TARGET_WEIGHT) {
      throw new TargetWeightsError(`weight of '${tag}' must be an integer from 0 to ${MAX_TARGET_WEIGHT}`);
    }
    const matches = targetNodes.filter((t) => tagsOf(t).includes(tag));
    if (matches.length !== 1) {
      const found = matches.length === 0 ? 'no target' : `${matches.length} targets (${matches.map((t) => String(t.get('target'))).join(', ')})`;
      throw new TargetWeightsError(`tag '${tag}' matches ${found} of upstream '${upstream}'; it must match exactly one`);
    }
    const target = matches[0] as YAMLMap;
    const other = chosen.get(target);
    if (other !== undefined) throw new TargetWeightsError(`tags '${other}' and '${tag}' name the same target ${String(target.get('target'))}`);
    chosen.set(target, tag);
    setWeight(target, weight);
  }

  const rendered = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  const { problems } = checkGatewayConfig(rendered);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new TargetWeightsError(`the config fails the gateway's checks: ${problems[0]}${more}`);
  }
  return rendered;
}

function tagsOf(target: YAMLMap): string[] {
  const tags = target.get('tags');
  return isSeq(tags) ? tags.items.map((item) => (isScalar(item) ? String(item.value) : '')) : [];
}

/** Changes the value in place when there is one, so a comment on the line stays with it. */
function setWeight(target: YAMLMap, weight: number): void {
  const node = target.get('weight', true);
  if (isScalar(node)) node.value = weight;
  else target.set('weight', weight);
}
