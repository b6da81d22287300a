// The inputs and outputs of the workflows and their activities, as plain data. A leaf of pure types
// and constants: the sandboxed workflow code (workflows/*.ts) may import it, as may the activities,
// the in-process runner and the starter.
import type { CheckRequest, CheckResult } from '../../actors/index.js';

/** Where a Temporal worker of this project polls when nothing says otherwise. */
export const DEFAULT_TASK_QUEUE = 'glass-workflows';
export const DEFAULT_NAMESPACE = 'default';
/**
 * The world of the lore of a session that names none, when GLASS_WORLD is not set: the same as the
 * budgets' default world (actors/budget), so a session's spend and its lore are one world's.
 */
export const DEFAULT_WORLD = 'default';

export interface ConsolidationWorkflowInput {
  world: string;
  session: string;
  turn: number;
  player: string;
  /** The narration only: never the player's text, which a moderator may redact (session-workflows.ts). */
  narration: string;
  summary: string;
}

/** What summariseTurn answers: the gist of the turn and the named things in it. */
export interface TurnDigest {
  summary: string;
  entities: LoreEntity[];
}

export interface LoreEntity {
  /** kebab-case, the document id's last part. */
  slug: string;
  title: string;
  /** Sentences of the turn that name it. */
  mentions: string[];
}

export interface WriteLoreInput {
  world: string;
  /** `<session>#<turn>`: what the documents say they came from (and how a rerun is recognised). */
  source: string;
  digest: TurnDigest;
}

export interface ConsolidationResult {
  summary: string;
  /** Ids of the lore documents written or updated (`lore:<world>:<slug>`). */
  lore: string[];
}

export interface CheckRunnerInput {
  session: string;
  turn: number;
  request: CheckRequest;
}

export interface CheckRunnerResult {
  results: CheckResult[];
}

/** An override as moderators are told of it. */
export interface OverrideNotice {
  auditId: number;
  auditHash: string;
  moderator: string;
  command: string;
  target: string;
  reason?: string;
}

export interface FanOutInput {
  notice: OverrideNotice;
  /** Where notices go (webhook URLs; `log` for the worker's log only). */
  targets: string[];
}

export interface FanOutResult {
  delivered: number;
}

/** The activities' names and the shapes the workflows call them with. */
export interface GlassActivities {
  summariseTurn(input: ConsolidationWorkflowInput): Promise<TurnDigest>;
  writeLore(input: WriteLoreInput): Promise<string[]>;
  runChecks(input: CheckRunnerInput): Promise<CheckResult[]>;
  notifyModerators(input: { target: string; notice: OverrideNotice }): Promise<void>;
}
