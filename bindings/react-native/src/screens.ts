/**
 * Flavour-agnostic helpers over a challenge run (they rely only on the shape of the generated
 * API, so they work with the React Native JSI bindings and with the Node/napi bindings used by
 * the tests).
 */

/** The tags of the screens that end a run. */
export const TERMINAL_SCREEN_TAGS: readonly string[] = Object.freeze([
  "Done",
  "Failed",
  "Locked",
  "Cancelled",
]);

/** Whether a screen ends the run (Done, Failed, Locked or Cancelled). */
export function isTerminal(screen: { readonly tag: string }): boolean {
  return TERMINAL_SCREEN_TAGS.includes(screen.tag);
}

/** A thrown `LatchkeyError`, flavour-agnostic: its variant, code and fields. */
export interface LatchkeyErrorInfo {
  /** The variant (e.g. "SessionExpired", "InvalidInput"): it says what to do. */
  readonly variant: string;
  /** The 155xxx code. */
  readonly code: number;
  /** Secret-free English explanation. */
  readonly detail: string;
  /** Wrong guesses still allowed, when known. */
  readonly attemptsLeft?: number;
  /** When a lock ends, RFC 3339 (for `Locked`). */
  readonly lockExpiry?: string;
}

/**
 * The variant, code and fields of a thrown `LatchkeyError`, or undefined for any other value.
 * Works with both flavours of the generated bindings (React Native JSI and Node napi), which
 * give every error variant the same shape (`tag` + `inner: { code, detail, ... }`) but their
 * own classes, so `LatchkeyError.instanceOf` of one flavour does not recognise the other's.
 *
 * ```ts
 * try { await run.submit(input); } catch (e) {
 *   const err = latchkeyErrorInfo(e);
 *   if (err === undefined) throw e;
 *   show(err.detail, err.code);
 * }
 * ```
 */
export function latchkeyErrorInfo(e: unknown): LatchkeyErrorInfo | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const tag = (e as { tag?: unknown }).tag;
  const inner = (e as { inner?: Record<string, unknown> }).inner;
  if (typeof tag !== "string" || typeof inner !== "object" || inner === null) return undefined;
  const { code, detail, attemptsLeft, lockExpiry } = inner;
  if (typeof code !== "number" || typeof detail !== "string") return undefined;
  return {
    variant: tag,
    code,
    detail,
    attemptsLeft: typeof attemptsLeft === "number" ? attemptsLeft : undefined,
    lockExpiry: typeof lockExpiry === "string" ? lockExpiry : undefined,
  };
}

/** What `screens()` needs from a challenge run. */
export interface SubscribableRun<S> {
  subscribe(listener: { onScreen(screen: S): void }): { cancel(): void };
}

/**
 * The run's current screen, then every new one (including `Working`), ending after the terminal
 * screen. Leaving the `for await` loop early unsubscribes.
 *
 * ```ts
 * for await (const screen of screens(run)) render(screen);
 * ```
 */
export function screens<S extends { readonly tag: string }>(
  run: SubscribableRun<S>,
): AsyncIterableIterator<S> {
  const queue: S[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  const handle = run.subscribe({
    onScreen(screen: S): void {
      queue.push(screen);
      wake?.();
      wake = undefined;
    },
  });
  const iterator: AsyncIterableIterator<S> = {
    async next(): Promise<IteratorResult<S>> {
      while (!finished && queue.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      const screen = queue.shift();
      if (screen === undefined) {
        return { done: true, value: undefined };
      }
      if (isTerminal(screen)) {
        finished = true;
        handle.cancel();
      }
      return { done: false, value: screen };
    },
    async return(): Promise<IteratorResult<S>> {
      finished = true;
      handle.cancel();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator](): AsyncIterableIterator<S> {
      return iterator;
    },
  };
  return iterator;
}
