// The receivers' `waitForSpans`, shared: a test waits for a count or a predicate over the spans
// received so far, re-checked whenever the receiver calls `settle()` (on every accepted export),
// so nothing polls. A timeout names what did arrive.
export function spanWaiters(spans, requests) {
  const waiters = new Set();

  function settle() {
    for (const waiter of waiters) {
      if (waiter.isSatisfied()) waiter.resolve();
    }
  }

  /** Resolves with `spans` once there are at least `count`, or once `predicate(spans)` is true. */
  function waitForSpans(countOrPredicate, { timeoutMs = 20000 } = {}) {
    const isSatisfied =
      typeof countOrPredicate === 'function'
        ? () => Boolean(countOrPredicate(spans))
        : () => spans.length >= countOrPredicate;
    if (isSatisfied()) return Promise.resolve(spans);
    return new Promise((resolve, reject) => {
      const waiter = {
        isSatisfied,
        resolve() {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(spans);
        },
        reject(reason) {
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(new Error(reason));
        },
      };
      const wanted = typeof countOrPredicate === 'function' ? 'the predicate to hold' : `${countOrPredicate} spans`;
      const timer = setTimeout(() => {
        const names = spans.map((s) => `${s.name} (${s.kind})`);
        waiter.reject(
          `waitForSpans: timed out after ${timeoutMs} ms waiting for ${wanted}; ` +
            `${spans.length} arrived: [${names.join(', ')}] in ${requests.length} request(s)`,
        );
      }, timeoutMs);
      waiters.add(waiter);
    });
  }

  /** Fails every pending wait: the receiver is closing. */
  function rejectAll() {
    for (const waiter of waiters) waiter.reject('waitForSpans: receiver closed');
  }

  return { settle, waitForSpans, rejectAll };
}
