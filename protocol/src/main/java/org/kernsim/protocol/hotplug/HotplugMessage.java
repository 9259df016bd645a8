package org.kernsim.protocol.hotplug;

import org.kernsim.protocol.WireMessage;

/**
 * CPU hotplug ({@code kernel/cpu.c}): the hotplug lock {@code cpu_hotplug_lock}, {@code
 * cpu_down()}/{@code cpu_up()} requests, the per-CPU hotplug thread {@code cpuhp/N}, the callbacks
 * of the hotplug states, and the scheduler's and stop_machine's side of a CPU coming and going.
 */
public sealed interface HotplugMessage extends WireMessage
    permits HotplugMessage.CpusReadLock,
        HotplugMessage.CpusReadLocked,
        HotplugMessage.CpusReadUnlock,
        HotplugMessage.CpuDown,
        HotplugMessage.CpuUp,
        HotplugMessage.HotplugDone,
        HotplugMessage.PlanDue,
        HotplugMessage.RandomDue,
        HotplugMessage.CpuhpKickAp,
        HotplugMessage.CpuhpApDone,
        HotplugMessage.CpuhpCallback,
        HotplugMessage.CpuhpCallbackDone,
        HotplugMessage.SetCpuActive,
        HotplugMessage.CpuActiveChanged,
        HotplugMessage.WaitEmpty,
        HotplugMessage.RqEmpty,
        HotplugMessage.BringupCpu,
        HotplugMessage.CpuBooted,
        HotplugMessage.ApIdle,
        HotplugMessage.TakeCpuDown,
        HotplugMessage.CpuDead,
        HotplugMessage.StopperState {

  // ------------------------------------------------------------------ cpu_hotplug_lock

  /**
   * {@code cpus_read_lock()} (v3.8: {@code get_online_cpus()}) by task {@code holder}; the grant
   * {@link CpusReadLocked} goes to {@code replyTo} (the holder itself, or {@code stop_machine()}
   * taking it on its caller's behalf). {@code site} is the kernel function, for lockdep.
   */
  record CpusReadLock(int holder, int replyTo, long token, String site) implements HotplugMessage {}

  /** The read side was granted. */
  record CpusReadLocked(long token) implements HotplugMessage {}

  /** {@code cpus_read_unlock()} (v3.8: {@code put_online_cpus()}) by task {@code holder}. */
  record CpusReadUnlock(int holder) implements HotplugMessage {}

  // ------------------------------------------------------------------ requests

  /**
   * {@code remove_cpu(cpu)} ({@code cpu_down()}): take CPU {@code cpu} offline; if {@code
   * requester} ≥ 0 it gets {@link HotplugDone}.
   */
  record CpuDown(int cpu, int requester, long token) implements HotplugMessage {}

  /** {@code add_cpu(cpu)} ({@code cpu_up()}): bring CPU {@code cpu} online. */
  record CpuUp(int cpu, int requester, long token) implements HotplugMessage {}

  /**
   * The hotplug operation finished: CPU {@code cpu} is {@code online}, or it was refused ({@code
   * error}: 0, or -EBUSY = -16, -EINVAL = -22).
   */
  record HotplugDone(long token, int cpu, boolean online, int error) implements HotplugMessage {}

  /** The fault plan's own timer: entry {@code index} of {@code faults.hotplug.plan} is due. */
  record PlanDue(int index) implements HotplugMessage {}

  /**
   * The fault plan's own timer: a random {@code cpu_down()} ({@code cpu} &lt; 0) or the {@code
   * cpu_up()} that brings {@code cpu} back.
   */
  record RandomDue(int cpu) implements HotplugMessage {}

  // ------------------------------------------------------------------ cpuhp/N

  /**
   * {@code cpuhp_kick_ap_work()}: the hotplug thread of the CPU runs the callbacks of its thread
   * states, towards online ({@code bringup}) or towards {@code CPUHP_TEARDOWN_CPU}.
   */
  record CpuhpKickAp(long op, boolean bringup) implements HotplugMessage {}

  /** The hotplug thread of {@code cpu} reached its target ({@code wait_for_ap_thread()}). */
  record CpuhpApDone(long op, int cpu) implements HotplugMessage {}

  /**
   * Invoke the callback a model registered for {@code state} ({@code cpuhp_setup_state()} or a CPU
   * notifier): its startup ({@code bringup}) or teardown for CPU {@code cpu}, then answer {@link
   * CpuhpCallbackDone} to {@code replyTo}.
   */
  record CpuhpCallback(long op, int cpu, CpuhpState state, boolean bringup, int replyTo)
      implements HotplugMessage {}

  /** A callback returned. */
  record CpuhpCallbackDone(long op, CpuhpState state, int cpu) implements HotplugMessage {}

  // ------------------------------------------------------------------ the scheduler's side

  /**
   * {@code sched_cpu_activate()}/{@code sched_cpu_deactivate()} on the hotplug CPU: {@code
   * set_cpu_active()}, and (2026) {@code balance_push} off/on; the CPU tells every other CPU
   * ({@link CpuActiveChanged}) and answers {@link CpuhpCallbackDone} to {@code replyTo}.
   */
  record SetCpuActive(long op, boolean active, int replyTo) implements HotplugMessage {}

  /** {@code cpu_active_mask} as another CPU sees it change. */
  record CpuActiveChanged(int cpu, boolean active) implements HotplugMessage {}

  /**
   * {@code sched_cpu_wait_empty()}: answer {@link RqEmpty} once no task but {@code task} (the
   * hotplug thread) is left on the CPU.
   */
  record WaitEmpty(long op, int task, int replyTo) implements HotplugMessage {}

  /** The run queue holds nothing but the hotplug thread. */
  record RqEmpty(long op) implements HotplugMessage {}

  /**
   * {@code bringup_cpu()} / {@code __cpu_up()}: the AP boots, runs its STARTING states with IRQs
   * off, sets itself online, goes idle (its stopper unparked) and answers {@link CpuBooted}.
   */
  record BringupCpu(long op, int replyTo) implements HotplugMessage {}

  /** {@code bringup_wait_for_ap_online()} returned: the AP is online and idle. */
  record CpuBooted(long op, int cpu) implements HotplugMessage {}

  /** The booting AP's own timer: it reached the idle loop ({@code cpuhp_online_idle()}). */
  record ApIdle(long op) implements HotplugMessage {}

  /**
   * The function {@code takedown_cpu()} runs in {@code stop_machine_cpuslocked()} on the dying CPU
   * ({@code take_cpu_down()}): {@code __cpu_disable()} (offline), the DYING callbacks, {@code
   * stop_machine_park()}. {@code migrate} = v3.8's {@code CPU_DYING} {@code migrate_tasks()}.
   */
  record TakeCpuDown(long op, int cpu, int replyTo, boolean migrate) implements HotplugMessage {}

  /** {@code cpuhp_report_idle_dead()} / {@code __cpu_die()}: the CPU is dead. */
  record CpuDead(long op, int cpu) implements HotplugMessage {}

  /**
   * What stop_machine must know of CPU {@code cpu}: whether it is in {@code cpu_online_mask}, and
   * whether its stopper is enabled (parked by {@code take_cpu_down()}, unparked by {@code
   * cpuhp_online_idle()}).
   */
  record StopperState(int cpu, boolean online, boolean stopperEnabled) implements HotplugMessage {}
}
