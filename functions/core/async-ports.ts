/**
 * Ports for asynchronous work: one-time schedules (EventBridge Scheduler in AWS) and domain events
 * (an EventBridge bus). Adapters implement these; use cases and their tests see only the ports.
 */

export interface ScheduleOnceInput {
  /**
   * Logical name of the schedule, unique per piece of work (e.g. `invite:<visitorId>:<ruleId>`).
   * The adapter maps it deterministically to a name the service accepts.
   */
  name: string;
  /** When the target runs (whole seconds; a time in the past runs as soon as possible). */
  at: Date;
  /** Logical target name (e.g. 'auto-invite'), mapped to a function by configuration. */
  target: string;
  /** The event the target receives; must survive JSON. */
  payload: unknown;
}

export interface OneTimeScheduler {
  /**
   * Creates a schedule that invokes `target` once with `payload` at `at`, then deletes itself.
   * Creating a name that already exists changes nothing and answers 'exists'.
   */
  scheduleOnce(input: ScheduleOnceInput): Promise<'created' | 'exists'>;
  /** Deletes the schedule if it has not run yet; an unknown or already-run name is not an error. */
  cancel(name: string): Promise<void>;
}

export interface EventPublisher {
  /** Puts one event (`detail-type` = `detailType`) on the bus; rejects if the bus did not accept it. */
  publish(detailType: string, detail: Record<string, unknown>): Promise<void>;
}
