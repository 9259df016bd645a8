package org.kernsim.protocol.cpu;

import org.kernsim.protocol.WireMessage;

/** Trace notes of the CPUs and tasks, for the timeline and the trace. */
public sealed interface CpuNote extends WireMessage
    permits CpuNote.Switch,
        CpuNote.StopperEntered,
        CpuNote.StopperLeft,
        CpuNote.TaskBlocked,
        CpuNote.TaskWoken,
        CpuNote.WakeIgnored,
        CpuNote.TaskExited,
        CpuNote.TimeStolen {

  /** CPU {@code cpu} switches from {@code from} (-1: idle) to {@code to} (-1: idle). */
  record Switch(int cpu, int from, int to) implements CpuNote {}

  record StopperEntered(int cpu, long op) implements CpuNote {}

  record StopperLeft(int cpu, long op, long stalledNanos) implements CpuNote {}

  /** The task went to sleep for its {@code epoch}-th time. */
  record TaskBlocked(int task, long epoch) implements CpuNote {}

  /** The task was woken by {@code waker} and is runnable. */
  record TaskWoken(int task, int waker, long epoch) implements CpuNote {}

  /** A wake reached a task that was already awake or runnable (a no-op). */
  record WakeIgnored(int task, int waker, long epoch) implements CpuNote {}

  record TaskExited(int task) implements CpuNote {}

  /**
   * The fault plan took the CPU for {@code nanos} (an interrupt storm, a real-time task), after
   * preempting {@code from}.
   */
  record TimeStolen(int cpu, int from, long nanos) implements CpuNote {}
}
