package org.kernsim.protocol.cpu;

import org.kernsim.protocol.WireMessage;

/**
 * The scheduler protocol between a CPU and the tasks that run on it. A task that becomes runnable
 * {@link Enqueue}s itself on its CPU; the CPU {@link Dispatch}es one task at a time; the running
 * task {@link Release}s the CPU when it blocks, exits, yields or honours a {@link Preempt} at its
 * next preemption point. {@code dispatch} numbers each dispatch, so stale messages are recognised.
 */
public sealed interface CpuMessage extends WireMessage
    permits CpuMessage.Enqueue,
        CpuMessage.Release,
        CpuMessage.Dispatch,
        CpuMessage.Preempt,
        CpuMessage.TaskQuiescent,
        CpuMessage.PreemptCheck,
        CpuMessage.InjectedPreemption,
        CpuMessage.StolenTimeEnd {

  /** Task {@code task} is runnable and wants this CPU. */
  record Enqueue(int task) implements CpuMessage {}

  /** The running task gives the CPU back. */
  record Release(int task, long dispatch, ReleaseKind kind) implements CpuMessage {}

  /** CPU {@code cpu} runs the task now. */
  record Dispatch(int cpu, long dispatch) implements CpuMessage {}

  /** Release the CPU at your next preemption point (a wakeup preemption or the stopper). */
  record Preempt(int cpu, long dispatch) implements CpuMessage {}

  /**
   * The running task passes a quiescent state without leaving the CPU (cond_resched, user mode).
   */
  record TaskQuiescent(int task, long dispatch) implements CpuMessage {}

  /** The CPU's own timer: has the current task had its wakeup-preemption granularity? */
  record PreemptCheck(long dispatch) implements CpuMessage {}

  /** The CPU's own timer: the fault plan preempts the running task now (faults.preempt.*). */
  record InjectedPreemption() implements CpuMessage {}

  /** The CPU's own timer: the time the fault plan took from this CPU is over. */
  record StolenTimeEnd() implements CpuMessage {}

  enum ReleaseKind {
    /** The task sleeps (schedule() in TASK_*INTERRUPTIBLE/IDLE). */
    BLOCK,
    /** The task was preempted at a preemption point; it stays runnable. */
    PREEMPTED,
    /** The task yields voluntarily; it stays runnable. */
    YIELD,
    /** The task exited. */
    EXIT
  }
}
