package org.kernsim.actors.wqlife;

import org.kernsim.engine.Latency;

/**
 * The workload of a life-cycle run ({@code load.*}): one thread per CPU queues {@code items} work
 * items on the workqueue in each of {@code bursts} bursts (the first at {@code burstAt}, the next
 * {@code burstGap} after the previous one started), each after {@code think} of user CPU time and a
 * {@code syscall}; items spend {@code itemCpu}, block for {@code itemSleep} with probability {@code
 * sleepProbability}, then spend {@code itemCpu} again. One CPU hog per CPU ({@code hogs}) makes
 * woken kworkers wait for their CPU.
 */
public record WqLoad(
    int bursts,
    int pairs,
    Latency burstAt,
    Latency burstGap,
    int items,
    long hogItemNanos,
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
