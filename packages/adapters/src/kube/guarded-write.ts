import { KubernetesConflictError } from "../errors.ts";
import { statusCodeOf } from "./kube-errors.ts";
import { failedRequest, type KubeLogger } from "./kube-request.ts";
import { describeTarget, type KubeTarget } from "./kube-target.ts";

/** One guarded write: how to read the object, build the patch from it, and send it. */
export interface GuardedWrite<O extends { readonly resourceVersion: string }, P, W> {
  readonly target: KubeTarget;
  read(): Promise<O>;
  /** The patch for the object as just read, or null to decline: nothing is sent. */
  build(current: O): P | null;
  /** Sends the patch guarded by `current` (its resourceVersion, or `test` ops built from it). */
  send(patch: P, current: O): Promise<W>;
  /** What the write was for, in the message of a conflict that never cleared. */
  intent(patch: P): string;
  /** Log events of a write that landed and of a retry, with the keys that name the object and the change. */
  readonly log: {
    readonly landed: string;
    readonly retrying: string;
    readonly keys: Readonly<Record<string, unknown>>;
    landedKeys?(patch: P, current: O, written: W): Readonly<Record<string, unknown>>;
  };
}

/** What a guarded write did: the object it last read, the patch built from it (null: declined) and the answer. */
interface GuardedWriteResult<O, P, W> {
  readonly current: O;
  readonly patch: P | null;
  readonly written: W | null;
  /** 1 when the first patch landed (or was declined); one more for each fresh read after a conflict. */
  readonly attempt: number;
}

/**
 * The one write path of the cluster gateway: read → build → patch. The patch is built
 * from the object just read and sent guarded by what was read (a resourceVersion
 * precondition, or the JSON patch's `test` ops). A 409 Conflict, or a 422 after which the
 * object is found moved on (a failed `test`), means someone wrote in between: the object
 * is read again and the builder runs on the fresh one, `maxConflictRetries` times at
 * most, then `KubernetesConflictError`. A 422 on an object that did not move is the server
 * refusing the content, thrown as the request's error; so is any other status. The builder
 * may decline (null): nothing is sent.
 */
export async function guardedWrite<O extends { readonly resourceVersion: string }, P, W>(
  write: GuardedWrite<O, P, W>,
  options: { readonly logger: KubeLogger; readonly maxConflictRetries: number },
): Promise<GuardedWriteResult<O, P, W>> {
  const { target } = write;
  const { logger } = options;
  let current = await write.read();
  for (let attempt = 1; ; attempt += 1) {
    const patch = write.build(current);
    if (patch === null) {
      return { current, patch, written: null, attempt };
    }
    try {
      const written = await write.send(patch, current);
      logger.info(write.log.landed, {
        ...write.log.keys,
        ...write.log.landedKeys?.(patch, current, written),
        attempt,
      });
      return { current, patch, written, attempt };
    } catch (error) {
      const status = statusCodeOf(error);
      if (status !== 409 && status !== 422) {
        throw failedRequest(error, target, logger);
      }
      const fresh = await write.read();
      if (status === 422 && fresh.resourceVersion === current.resourceVersion) {
        throw failedRequest(error, target, logger);
      }
      if (attempt > options.maxConflictRetries) {
        throw new KubernetesConflictError(
          `${describeTarget(target)} changed under Switchyard on each of ${attempt} attempts ${write.intent(patch)}; retry the step`,
          { cause: error },
        );
      }
      logger.warn(write.log.retrying, {
        ...write.log.keys,
        resourceVersion: { read: current.resourceVersion, now: fresh.resourceVersion },
        status,
        attempt,
      });
      current = fresh;
    }
  }
}
