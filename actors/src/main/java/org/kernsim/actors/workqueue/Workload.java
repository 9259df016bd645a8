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
 * Items spend {@code itemCpu}, sleep {@code itemSleep} with probability {@code sleepProbability},
 * then spend {@code itemCpu} again. Hogs start at {@code hogStart} and run for {@code hogRun},
 * alternating {@code hogUser} (preemptible) and {@code hogKernel} (not preemptible).
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
    Latency hogKernel) {}
