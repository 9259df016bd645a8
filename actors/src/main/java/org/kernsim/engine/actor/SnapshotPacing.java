package org.kernsim.engine.actor;

/**
 * When a cluster run takes its recovery snapshots (docs/cluster.md, "Node loss"): one is due at the
 * barrier after every {@code every}-th round, and a due snapshot waits until taking it keeps the
 * share of the run's wall time spent on snapshots at most {@code maxShare}. A snapshot that took
 * {@code S} of wall time is followed by at least {@code S (1 / maxShare - 1)} of run before the
 * next: a run whose rounds are short (the kernel models at scale: thousands of rounds per simulated
 * millisecond, each snapshot hundreds of milliseconds of state) takes them less often than every
 * {@code every} rounds, one whose rounds are long is not held back. The first due snapshot is
 * always taken (nothing is known of its cost before). Where they fall never changes a run's trace:
 * a snapshot sits at a barrier, where every partition is idle.
 *
 * <p>Infrastructure, not model: the wall time comes from the caller ({@link System#nanoTime()} in
 * the coordinator), so this class is plain logic over its arguments.
 */
final class SnapshotPacing {

  private final long every;
  private final double maxShare;
  private boolean due;
  private long startedNanos;
  private long costNanos = -1; // the last snapshot's wall time (-1: none taken yet)
  private long endedNanos;
  private long taken;

  /**
   * @param every a snapshot is due after every {@code every}-th round (0: never)
   * @param maxShare the most of the run's wall time snapshots may take, in (0, 1]; 1: every due
   *     snapshot is taken at once
   */
  SnapshotPacing(long every, double maxShare) {
    if (every < 0) throw new IllegalArgumentException("every " + every + ": must be >= 0");
    if (!(maxShare > 0 && maxShare <= 1))
      throw new IllegalArgumentException("snapshot share " + maxShare + ": must be in (0, 1]");
    this.every = every;
    this.maxShare = maxShare;
  }

  /** Whether to take a snapshot at the barrier after {@code round}, at wall time {@code now}. */
  boolean takeAt(long round, long now) {
    if (every == 0) return false;
    if (round > 0 && round % every == 0) due = true;
    if (!due) return false;
    if (maxShare >= 1 || costNanos < 0) return true;
    return now - endedNanos >= waitNanos();
  }

  /** The wall time a due snapshot waits after the last one ended. */
  long waitNanos() {
    if (costNanos < 0 || maxShare >= 1) return 0;
    return (long) (costNanos * (1 / maxShare - 1));
  }

  /** A snapshot (due, or asked for by the run's options) starts at {@code now}. */
  void started(long now) {
    startedNanos = now;
    due = false;
  }

  /** The snapshot started last is complete at {@code now}. */
  void ended(long now) {
    costNanos = Math.max(0, now - startedNanos);
    endedNanos = now;
    taken++;
  }

  /** Snapshots taken so far. */
  long taken() {
    return taken;
  }
}
