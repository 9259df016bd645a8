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
 * @param era which kernel's pool code ({@code workqueue.era})
 * @param cpuIntensiveThreshNanos {@code wq_cpu_intensive_thresh_us} in ns (0: off); only in eras
 *     that have {@code wq_worker_tick()}
 * @param manageWindow 3.x eras: how long the manager's first critical section lasts from {@code
 *     need_more_worker()} at {@code recheck:} to its end (see {@link WqEra#managerWindow()})
 */
public record WqConfig(
    KickVariant variant,
    boolean pickTail,
    boolean pinnedDeferredWake,
    long jiffyNanos,
    long idleWorkerTimeoutJiffies,
    int maxIdleWorkersRatio,
    long maydayInitialJiffies,
    long maydayIntervalJiffies,
    WqEra era,
    long cpuIntensiveThreshNanos,
    org.kernsim.engine.Latency manageWindow) {

  /** The 2026 era, without CPU-intensive auto-detection (the configuration before it existed). */
  public WqConfig(
      KickVariant variant,
      boolean pickTail,
      boolean pinnedDeferredWake,
      long jiffyNanos,
      long idleWorkerTimeoutJiffies,
      int maxIdleWorkersRatio,
      long maydayInitialJiffies,
      long maydayIntervalJiffies) {
    this(
        variant,
        pickTail,
        pinnedDeferredWake,
        jiffyNanos,
        idleWorkerTimeoutJiffies,
        maxIdleWorkersRatio,
        maydayInitialJiffies,
        maydayIntervalJiffies,
        WqEra.V2026,
        0,
        org.kernsim.engine.Latency.fixed(1));
  }

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
        maydayIntervalJiffies,
        era,
        cpuIntensiveThreshNanos,
        manageWindow);
  }

  /** The same pools in another era (tests). */
  public WqConfig withEra(WqEra e) {
    return new WqConfig(
        variant,
        pickTail,
        pinnedDeferredWake,
        jiffyNanos,
        idleWorkerTimeoutJiffies,
        maxIdleWorkersRatio,
        maydayInitialJiffies,
        maydayIntervalJiffies,
        e,
        cpuIntensiveThreshNanos,
        manageWindow);
  }

  /** The same pools with {@code wq_cpu_intensive_thresh_us} = {@code nanos} / 1000 (tests). */
  public WqConfig withCpuIntensiveThresh(long nanos) {
    return new WqConfig(
        variant,
        pickTail,
        pinnedDeferredWake,
        jiffyNanos,
        idleWorkerTimeoutJiffies,
        maxIdleWorkersRatio,
        maydayInitialJiffies,
        maydayIntervalJiffies,
        era,
        nanos,
        manageWindow);
  }

  /** Whether {@code wq_worker_tick()} marks CPU hogs in this configuration. */
  public boolean cpuIntensiveTick() {
    return era.cpuIntensiveTick() && cpuIntensiveThreshNanos > 0;
  }
}
