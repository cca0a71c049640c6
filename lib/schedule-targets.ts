import { Construct } from 'constructs';
import { SCHEDULE_TARGETS } from '../functions/handlers/routes.js';
import type { ParleyData } from './data.js';
import { grantTable, ParleyFunction, pascalId } from './function.js';
import type { RealtimeApi } from './realtime-api.js';
import type { ParleyScheduling } from './scheduling.js';

/** One item of SCHEDULE_TARGETS: the logical target name schedules use, and its handler file. */
export type ScheduleTarget = (typeof SCHEDULE_TARGETS)[number];

/** Entries that post to WebSocket connections (operator-presence broadcasts status and offers). */
export const DEFAULT_POSTING_SCHEDULE_ENTRIES: readonly string[] = ['operator-presence', 'auto-invite'];

export interface ScheduleTargetsProps {
  /** The scheduler role that may invoke the functions (and nothing else). */
  readonly scheduling: ParleyScheduling;
  /** The table the functions read and write. */
  readonly data: ParleyData;
  /** The WebSocket API, for `WS_CALLBACK_URL` and ManageConnections. */
  readonly realtime: RealtimeApi;
  /** The targets. @default SCHEDULE_TARGETS from functions/handlers/routes.ts */
  readonly targets?: readonly ScheduleTarget[];
  /** Entries that get ManageConnections on the stage. @default ['operator-presence', 'auto-invite'] */
  readonly postingEntries?: readonly string[];
  /** Folder of the handler files. @default functions/handlers */
  readonly handlersDir?: string;
}

/**
 * The functions EventBridge Scheduler invokes (DESIGN §1): one per distinct entry of
 * SCHEDULE_TARGETS, each registered with ParleyScheduling under its target name (so the scheduler
 * role may invoke exactly these, and `SCHEDULER_TARGETS` names them). Each reads and writes the
 * table and knows `WS_CALLBACK_URL`; the posting entries get ManageConnections on the stage.
 */
export class ScheduleTargets extends Construct {
  /** The function of each entry. */
  readonly functions: ReadonlyMap<string, ParleyFunction>;

  constructor(scope: Construct, id: string, props: ScheduleTargetsProps) {
    super(scope, id);
    const posting = new Set(props.postingEntries ?? DEFAULT_POSTING_SCHEDULE_ENTRIES);
    const functions = new Map<string, ParleyFunction>();
    for (const { target, entry } of props.targets ?? SCHEDULE_TARGETS) {
      let fn = functions.get(entry);
      if (!fn) {
        fn = new ParleyFunction(this, pascalId(entry), {
          entry,
          handlersDir: props.handlersDir,
          description: `Parley schedule target ${entry}`,
          environment: { WS_CALLBACK_URL: props.realtime.callbackUrl },
        });
        grantTable(fn, props.data, 'readwrite');
        if (posting.has(entry)) props.realtime.grantManageConnections(fn);
        functions.set(entry, fn);
      }
      props.scheduling.addTarget(target, fn);
    }
    this.functions = functions;
  }

  /** The function of `entry`; throws when SCHEDULE_TARGETS has none. */
  functionOf(entry: string): ParleyFunction {
    const fn = this.functions.get(entry);
    if (!fn) throw new Error(`SCHEDULE_TARGETS has no entry ${entry}`);
    return fn;
  }
}
