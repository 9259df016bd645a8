package org.kernsim.actors.workqueue;

import org.kernsim.engine.Latency;

/**
 * The workload of a run ({@code workload.*}): one thread per CPU that queues work in two phases,
 * and one CPU hog per CPU.
 *
 * <ul>
 *   <li>warm-up (at {@code warmupAt}): {@code warmupItems} items on the local per-CPU pool and
 *       {@code warmupUnboundItems} on the unbound pool, plus long items ({@code longItems} local,
 *       {@code longUnboundItems} unbound) that block for {@code longSleep};
 *   <li>burst (at {@code burstAt}): {@code burstItems} items, each after {@code think} of user CPU
 *       time: on the unbound pool with probability {@code unboundFraction}, on another CPU's pool
 *       with {@code remoteFraction}, else on the local pool; a share {@code delayedFraction} goes
 *       through the thread's delayed work ({@code queue_delayed_work()}, {@code delay}).
 * </ul>
 *
 * With {@code bursts > 1} the burst repeats, each one {@code burstEvery} after the previous one's
 * start (drawn anew each time); with {@code steadyItems > 0} the thread also queues a steady
 * stream: from {@code steadyStart}, one item every {@code steadyPeriod} (on the pools the burst
 * fractions pick, never delayed). The thread does one thing at a time: its bursts and stream items
 * run in the order of their start times, and one that is due while another still runs follows it.
 * With the defaults (one burst, no stream) the script is the same, draw for draw, as without these
 * settings.
 *
 * <p>Items spend {@code itemCpu}, sleep {@code itemSleep} with probability {@code
 * sleepProbability}, then spend {@code itemCpu} again. Hogs start at {@code hogStart} and run for
 * {@code hogRun}, alternating {@code hogUser} (preemptible) and {@code hogKernel} (not
 * preemptible).
 */
public record Workload(
    Latency warmupAt,
    int warmupItems,
    int warmupUnboundItems,
    int longItems,
    int longUnboundItems,
    Latency longSleep,
    Latency burstAt,
    int burstItems,
    double unboundFraction,
    double remoteFraction,
    double delayedFraction,
    Latency delay,
    Latency think,
    Latency syscall,
    Latency itemCpu,
    double sleepProbability,
    Latency itemSleep,
    boolean hogs,
    Latency hogStart,
    Latency hogRun,
    Latency hogUser,
    Latency hogKernel,
    int bursts,
    Latency burstEvery,
    int steadyItems,
    Latency steadyStart,
    Latency steadyPeriod) {

  /**
   * Only the hogs (no work items, no bursts, no stream): the CPU load a model that queues its own
   * work (package {@code wqlife}) puts beside it.
   */
  public static Workload hogsOnly(
      boolean hogs, Latency hogStart, Latency hogRun, Latency hogUser, Latency hogKernel) {
    Latency none = Latency.fixed(1);
    return new Workload(
        none,
        0,
        0,
        0,
        0,
        none,
        none,
        0,
        0,
        0,
        0,
        none,
        none,
        none,
        none,
        0,
        none,
        hogs,
        hogStart,
        hogRun,
        hogUser,
        hogKernel,
        1,
        Latency.fixed(10_000_000),
        0,
        Latency.fixed(1_000_000),
        Latency.fixed(1_000_000));
  }
}
