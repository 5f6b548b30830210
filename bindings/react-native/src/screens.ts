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
