package org.kernsim.protocol.hotplug26;

import org.kernsim.protocol.WireMessage;

/**
 * CPU hotplug of v2.6.36-v2.6.38 inside a timed kprobes run (catalogue SM-3): the locks of {@code
 * kernel/cpu.c} and {@code text_mutex} as blocking requests to the entity that owns them (and runs
 * the hotplug writer), the writer's {@code take_cpu_down()} as the stop function of its {@code
 * __stop_machine()}, and the CPU views of {@code stop_cpus()} and of the per-CPU workload. Nothing
 * here belongs to the later eras' {@code hotplug} protocol.
 */
public sealed interface Hotplug26Message extends WireMessage
    permits Hotplug26Message.Acquire,
        Hotplug26Message.Release,
        Hotplug26Message.Granted,
        Hotplug26Message.Queued,
        Hotplug26Message.TakeCpuDown,
        Hotplug26Message.StopperView,
        Hotplug26Message.StopperEnable,
        Hotplug26Message.StopperViewSet,
        Hotplug26Message.CpuOffline,
        Hotplug26Message.CpuOfflineAck,
        Hotplug26Message.CpuOnline,
        Hotplug26Message.PlanDue,
        Hotplug26Message.RandomDue,
        Hotplug26Message.WriterTimer {

  /**
   * Task {@code task} (its request made by {@code replyTo}) takes {@code lock}: {@code
   * "text_mutex"} ({@code mutex_lock(&text_mutex)}) or {@code "get_online_cpus"} (the reader of
   * {@code cpu_hotplug}); the task sleeps until {@link Granted}. {@code site} is the kernel
   * function; {@code alsoHolds} what else the task holds that the owner of these locks does not see
   * (for the wait cycle's description), or "".
   */
  record Acquire(int task, int replyTo, long token, String lock, String site, String alsoHolds)
      implements Hotplug26Message {}

  /**
   * {@code mutex_unlock(&text_mutex)} or {@code put_online_cpus()} by {@code task}; answered by
   * {@link Granted} to {@code replyTo}, so that a later {@link Acquire} of the same task cannot
   * overtake it (messages of one sender are not kept in order).
   */
  record Release(int task, int replyTo, long token, String lock) implements Hotplug26Message {}

  /**
   * The lock of {@link Acquire} {@code token} is taken: the task sleeps ({@code
   * __mutex_lock_common()}'s {@code schedule()}, {@code get_online_cpus()}'s {@code
   * mutex_lock(&cpu_hotplug.lock)}) until {@link Granted}. An uncontended lock is answered by
   * {@link Granted} alone (the task never slept).
   */
  record Queued(long token) implements Hotplug26Message {}

  /** The lock of request {@code token} is held (or released). */
  record Granted(long token) implements Hotplug26Message {}

  /**
   * The stop function of the writer's {@code __stop_machine(take_cpu_down, ..., cpumask_of(cpu))}:
   * {@code __cpu_disable()} takes {@code cpu} out of {@code cpu_online_mask}.
   */
  record TakeCpuDown(int cpu) implements Hotplug26Message {}

  /**
   * What {@code stop_cpus()} reads of CPU {@code cpu}: whether it is in {@code cpu_online_mask}
   * ({@code start_secondary()}) and whether its stopper is {@code enabled} ({@code
   * cpu_stop_cpu_callback()}: false at {@code CPU_POST_DEAD}; {@code CPU_ONLINE}'s is {@link
   * StopperEnable}). One-way.
   */
  record StopperView(int cpu, boolean online, boolean enabled) implements Hotplug26Message {}

  /**
   * {@code CPU_ONLINE}'s {@code cpu_stop_cpu_callback()}: CPU {@code cpu}'s stopper is {@code
   * enabled} (and the CPU online); answer {@link StopperViewSet} to {@code replyTo}: the writer
   * goes on to {@code cpu_hotplug_done()} only then.
   */
  record StopperEnable(int cpu, int replyTo) implements Hotplug26Message {}

  /**
   * The {@link StopperEnable} of CPU {@code cpu} is what {@code stop_cpus()} reads from now on: the
   * store of {@code stopper->enabled} under {@code stopper->lock} is done.
   */
  record StopperViewSet(int cpu) implements Hotplug26Message {}

  /**
   * CPU {@code cpu} left {@code cpu_online_mask} (in the stop): what it ran stops; answer {@link
   * CpuOfflineAck} to {@code replyTo}.
   */
  record CpuOffline(int cpu, int replyTo) implements Hotplug26Message {}

  /** The CPU's work has stopped. */
  record CpuOfflineAck(int cpu) implements Hotplug26Message {}

  /** CPU {@code cpu} is online again ({@code CPU_ONLINE}): what it ran may run again. */
  record CpuOnline(int cpu) implements Hotplug26Message {}

  /** Entry {@code index} of {@code faults.hotplug.plan} is due (the writer's timer). */
  record PlanDue(int index) implements Hotplug26Message {}

  /**
   * {@code faults.hotplug.rate}'s timers: {@code cpu} -1 = the next random {@code cpu_down()} is
   * due (the CPU is drawn when it fires); {@code cpu} >= 0 = that randomly offlined CPU's {@code
   * faults.hotplug.downtime} is over, {@code cpu_up()} it.
   */
  record RandomDue(int cpu) implements Hotplug26Message {}

  /**
   * The hotplug writer's own timer: {@code what} 0 = an {@code msleep(100)} of {@code
   * native_cpu_die()} ended, 1 = the AP has called in ({@code cpu_callin_mask}).
   */
  record WriterTimer(int what) implements Hotplug26Message {}
}
