package org.kernsim.actors.workqueue;

/**
 * The kernel's workqueue constants and the variant of a run (spec D.1), in jiffies where the kernel
 * counts jiffies.
 *
 * @param variant {@code workqueue.kick}
 * @param pickTail the ablation {@code workqueue.pick=tail}: {@code first_idle_worker()} returns the
 *     longest-idle worker (NOT the kernel)
 * @param pinnedDeferredWake the deferred wake holds a task reference ({@code wake_q}) rather than a
 *     bare task pointer
 * @param jiffyNanos one jiffy (1/HZ)
 * @param idleWorkerTimeoutJiffies IDLE_WORKER_TIMEOUT
 * @param maxIdleWorkersRatio MAX_IDLE_WORKERS_RATIO
 * @param maydayInitialJiffies MAYDAY_INITIAL_TIMEOUT
 * @param maydayIntervalJiffies MAYDAY_INTERVAL
 */
public record WqConfig(
    KickVariant variant,
    boolean pickTail,
    boolean pinnedDeferredWake,
    long jiffyNanos,
    long idleWorkerTimeoutJiffies,
    int maxIdleWorkersRatio,
    long maydayInitialJiffies,
    long maydayIntervalJiffies) {

  /** The kernel's values at HZ=1000. */
  public static WqConfig kernel(KickVariant variant) {
    return new WqConfig(variant, false, false, 1_000_000, 300_000, 4, 10, 100);
  }

  public long jiffies(long nowNanos) {
    return nowNanos / jiffyNanos;
  }

  public WqConfig withPickTail(boolean tail) {
    return new WqConfig(
        variant,
        tail,
        pinnedDeferredWake,
        jiffyNanos,
        idleWorkerTimeoutJiffies,
        maxIdleWorkersRatio,
        maydayInitialJiffies,
        maydayIntervalJiffies);
  }
}
