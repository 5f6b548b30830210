/**
 * `useChallenge(run)`: a challenge run as React state.
 *
 * The screens come from the SDK's `screens(run)` (the current screen, then every new one,
 * including `Working`); the hook only mirrors them into state and wraps the run's calls so a
 * refused call becomes `error` instead of an unhandled rejection. No flow logic lives here: which
 * screen follows, PIN rules, attempts and locks are all the SDK's.
 *
 * The hook is written against the shape of a run (not a concrete class), so the same code runs
 * with the React Native (JSI) bindings in the app and with the Node (napi) bindings in the tests.
 */
import { useCallback, useEffect, useRef, useState } from "react";
// Flavour-agnostic helpers of the SDK package (no native module is loaded by this import).
import { isTerminal, latchkeyErrorInfo, screens, type SubscribableRun } from "@latchkey/react-native/src/screens";

/** What the hook needs from a `ChallengeRun` (JSI or napi flavour). */
export interface RunLike<S, I> extends SubscribableRun<S> {
  screen(): S;
  /** Whether `back()` would return an earlier screen now (the SDK's `ChallengeRun.canGoBack`). */
  canGoBack(): boolean;
  submit(input: I): Promise<S>;
  back(): Promise<S>;
  retry(): Promise<S>;
  cancel(): Promise<S>;
}

/** A refused call: the SDK's 155xxx code and its text. */
export interface ChallengeError {
  readonly code: number;
  readonly detail: string;
  /** The `LatchkeyError` variant (e.g. "SessionExpired"): it says what to do. */
  readonly variant: string;
}

/** The hook's result. */
export interface Challenge<S, I> {
  /** What to draw now (undefined only without a run). */
  readonly screen: S | undefined;
  /** A call is in flight (inputs should be disabled; cancel stays allowed). */
  readonly busy: boolean;
  /** The last refused call, until the next call. */
  readonly error: ChallengeError | undefined;
  /** Whether the run has ended (Done, Failed, Locked, Cancelled). */
  readonly finished: boolean;
  submit(input: I): Promise<void>;
  /** The previous screen where the SDK has one (`canGoBack`), else leaves by cancelling. */
  back(): Promise<void>;
  retry(): Promise<void>;
  cancel(): Promise<void>;
}

/** The SDK error's code, text and variant (the SDK's flavour-agnostic `latchkeyErrorInfo`). */
export function challengeError(e: unknown): ChallengeError | undefined {
  const info = latchkeyErrorInfo(e);
  return info && { code: info.code, detail: info.detail, variant: info.variant };
}

/** The run as React state; pass `undefined` when no challenge runs. */
export function useChallenge<S extends { readonly tag: string }, I>(run: RunLike<S, I> | undefined): Challenge<S, I> {
  const [screen, setScreen] = useState<S | undefined>(() => run?.screen());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ChallengeError | undefined>(undefined);
  const current = useRef(run);
  current.current = run;

  useEffect(() => {
    if (run === undefined) {
      setScreen(undefined);
      return;
    }
    setScreen(run.screen());
    setError(undefined);
    const stream = screens<S>(run);
    let live = true;
    void (async () => {
      for await (const s of stream) {
        if (!live) break;
        setScreen(s);
      }
    })();
    return () => {
      live = false;
      void stream.return?.();
    };
  }, [run]);

  const call = useCallback(async (f: (r: RunLike<S, I>) => Promise<S>) => {
    const r = current.current;
    if (r === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const next = await f(r);
      if (current.current === r) setScreen(next);
    } catch (e) {
      const info = challengeError(e);
      if (info === undefined) throw e;
      setError(info);
    } finally {
      setBusy(false);
    }
  }, []);

  return {
    screen,
    busy,
    error,
    finished: screen !== undefined && isTerminal(screen),
    submit: useCallback((input: I) => call((r) => r.submit(input)), [call]),
    back: useCallback(() => call((r) => (r.canGoBack() ? r.back() : r.cancel())), [call]),
    retry: useCallback(() => call((r) => r.retry()), [call]),
    cancel: useCallback(() => call((r) => r.cancel()), [call]),
  };
}
