package org.kernsim.engine;

/**
 * The horizons of a round (ADR 006): for each participant, the earliest time an event from another
 * participant could still reach it. A participant can send no sooner than the lookahead after its
 * earliest pending event, or after the earliest event that could reach it — a fixed point over the
 * participants, since an event sent to an idle one can make it answer one lookahead later.
 *
 * <p>A pure function of the participants' earliest pending events: the coordinator and, between the
 * coordinator's sync points (ADR 007), every partition compute it from the same inputs and get the
 * same horizons, so they agree on a round without a message.
 */
public final class Horizons {
  private Horizons() {}

  /**
   * Fills {@code horizon} for the round whose participants hold their earliest pending events in
   * {@code next} ({@code Long.MAX_VALUE}: none), every horizon capped at {@code cap}.
   *
   * <p>The cap counts as an input from outside the participants (another node's events, on a node;
   * the run's end or the canonical window's end, on the coordinator): a participant reached at the
   * cap can answer a lookahead later, so the cap is applied inside the fixed point. For the
   * horizons below the cap this is the same as capping afterwards (earliest-output times below the
   * cap never depend on those at or above it), and the result is the earliest arrival over every
   * chain of participants that may start at the cap ({@code HorizonsTest} holds it to a brute-force
   * reference).
   *
   * @param eot scratch of at least {@code next.length} (the earliest output times), so that a round
   *     allocates nothing
   */
  public static void compute(long[] next, long lookahead, long cap, long[] horizon, long[] eot) {
    int n = next.length;
    for (int i = 0; i < n; i++) eot[i] = PartitionCore.saturatedAdd(next[i], lookahead);
    for (int iter = 0; iter <= n; iter++) {
      // the smallest and second smallest earliest-output times: the minimum over "the others"
      long m1 = Long.MAX_VALUE;
      long m2 = Long.MAX_VALUE;
      int at = -1;
      for (int i = 0; i < n; i++) {
        if (eot[i] < m1) {
          m2 = m1;
          m1 = eot[i];
          at = i;
        } else if (eot[i] < m2) {
          m2 = eot[i];
        }
      }
      boolean changed = false;
      for (int i = 0; i < n; i++) {
        horizon[i] = Math.min(cap, i == at ? m2 : m1);
        long out = Math.min(eot[i], PartitionCore.saturatedAdd(horizon[i], lookahead));
        if (out != eot[i]) {
          eot[i] = out;
          changed = true;
        }
      }
      if (!changed) break;
    }
  }

  /** The earliest pending event of all participants ({@code Long.MAX_VALUE}: none). */
  public static long earliest(long[] next) {
    long t = Long.MAX_VALUE;
    for (long x : next) t = Math.min(t, x);
    return t;
  }
}
