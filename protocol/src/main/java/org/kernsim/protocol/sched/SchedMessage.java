package org.kernsim.protocol.sched;

import org.kernsim.protocol.WireMessage;

/**
 * Placement and time on a CPU: where a woken task runs ({@code select_task_rq()}) and the CPU's
 * timer softirq for deferrable timers ({@code TIMER_DEFERRABLE}). Between a CPU and a task, a CPU
 * and another CPU, or a CPU and the owner of a timer.
 */
public sealed interface SchedMessage extends WireMessage
    permits SchedMessage.SelectIdle,
        SchedMessage.DeferrableTimer,
        SchedMessage.TimerSoftirq,
        SchedMessage.Irq,
        SchedMessage.IrqArrival {

  /**
   * {@code select_idle_sibling()} for a waking task {@code task} that may run on any CPU: the CPU
   * that receives it is the {@code hop}-th candidate of the scan that starts at {@code target} (0:
   * {@code target} itself). An idle candidate enqueues the task; a busy one passes the question to
   * the next; when every CPU of the last-level cache was busy the task is enqueued on {@code
   * target}. {@code nice} and {@code perCpuKthread} are the enqueue's ({@code EnqueueWith}).
   */
  record SelectIdle(int task, int target, int hop, int nice, boolean perCpuKthread)
      implements SchedMessage {}

  /**
   * A {@code TIMER_DEFERRABLE} timer of {@code owner}, queued on this CPU's {@code BASE_DEF}, is
   * due (its wheel bucket expired): it runs at this CPU's next tick — now if the CPU is busy (its
   * tick runs every jiffy), else at the first tick after the CPU leaves idle ({@code jiffyNanos}
   * apart). {@code token} names the arming, so a re-armed or deleted timer's old expiry is
   * recognised.
   */
  record DeferrableTimer(int owner, long token, long jiffyNanos) implements SchedMessage {}

  /** The CPU's timer softirq runs {@code owner}'s deferrable timer {@code token} now. */
  record TimerSoftirq(long token, int cpu) implements SchedMessage {}

  /**
   * An interrupt (hardirq and the softirq work at its exit) on the CPU of dispatch {@code dispatch}
   * of the task that receives it takes {@code nanos} of that CPU: the task's current stretch of CPU
   * time ends that much later; if the task has interrupts disabled (it spins on a lock taken with
   * {@code raw_spin_lock_irq()}) the interrupt stays pending until they are enabled again.
   */
  record Irq(long dispatch, long nanos) implements SchedMessage {}

  /** The CPU's next interrupt of its {@code irq.rate} load arrives (a CPU's own timer). */
  record IrqArrival() implements SchedMessage {}
}
