package org.kernsim.actors.wqlife;

/**
 * The workqueue under test ({@code alloc_workqueue()}'s arguments): {@code WQ_UNBOUND}, {@code
 * max_active}, {@code WQ_CPU_INTENSIVE}, {@code WQ_MEM_RECLAIM} (a rescuer).
 */
public record WqSpec(
    String name, boolean unbound, int maxActive, boolean cpuIntensive, boolean memReclaim) {}
