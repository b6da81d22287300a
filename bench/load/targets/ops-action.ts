// An ops action through a gateway's ops API (docs/OPS.md, POST /ops/api/actions), as `glass ops`
// sends it: audited by the cluster before it is carried out. The load harness's kill-worker fault
// is the `crash-worker` action.
import { GlassError } from '../../../runtime/index.js';
import { LoadErrors } from '../load-errors.js';

export interface OpsActionAnswer {
  action: string;
  node: string;
  done: boolean;
  detail: Record<string, unknown>;
  auditRef: string | null;
}

/** Resolves with the answer; a refusal rejects with the API's code (GLASS_ERR_OPS_…) and message. */
export async function postOpsAction(base: string, token: string, body: Record<string, unknown>, timeoutMs = 10_000): Promise<OpsActionAnswer> {
  let res: Response;
  try {
    res = await fetch(`${base}/ops/api/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new GlassError(LoadErrors.FAULT_FAILED, `ops API at ${base} unreachable: ${(err as Error).message}`, undefined, { cause: err });
  }
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: reported as text below
  }
  if (!res.ok) {
    const code = typeof parsed?.code === 'string' ? parsed.code : LoadErrors.FAULT_FAILED;
    throw new GlassError(code, `${body.action} refused by ${base} (HTTP ${res.status}): ${typeof parsed?.message === 'string' ? parsed.message : text.slice(0, 200)}`);
  }
  return parsed as OpsActionAnswer;
}
