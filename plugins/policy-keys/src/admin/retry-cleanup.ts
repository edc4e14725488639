/** When a cleanup that could not finish is tried again: the store was failing, and a late write may still land. */
const retryDelaysMs = [1_000, 5_000, 30_000];

/** `done`; `absent`: what it cleans up is not there (yet); `failed`: the store did not answer. */
export type CleanupOutcome = 'done' | 'absent' | 'failed';

/**
 * Runs `attempt` once, awaited; while it fails or finds nothing yet, again in the
 * background after 1, 5 and 30 s. `gaveUp` runs when the last try still failed.
 */
export async function cleanUpNowOrLater(attempt: () => Promise<CleanupOutcome>, gaveUp: () => void): Promise<void> {
  if ((await attempt()) === 'done') return;
  retryLater(attempt, gaveUp, 0);
}

function retryLater(attempt: () => Promise<CleanupOutcome>, gaveUp: () => void, index: number): void {
  const delay = retryDelaysMs[index];
  if (delay === undefined) return;
  // Never holds the process open: a gateway closing meanwhile leaves it to the operator.
  setTimeout(() => {
    void attempt().then((outcome) => {
      if (outcome !== 'done' && index + 1 < retryDelaysMs.length) retryLater(attempt, gaveUp, index + 1);
      else if (outcome === 'failed') gaveUp();
    });
  }, delay).unref();
}
