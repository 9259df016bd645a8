package org.kernsim.actors.cpuhotplug26;

/**
 * One step of a task's path through the 2.6.36-2.6.38 locks that SM-3 is about, as {@link
 * CpuHotplug26} executes it: a mutex, the hotplug reader and writer of {@code kernel/cpu.c}, the
 * two halves of {@code __stop_machine()} that see {@code cpu_online_mask}, and the writer's changes
 * to the CPUs. Every record names the kernel function (and, where it matters, the line of the tree
 * it was read from: see {@code docs/kprobes.md}, "SM-3: the writer half").
 */
public sealed interface HotplugOp
    permits HotplugOp.MutexLock,
        HotplugOp.MutexUnlock,
        HotplugOp.GetOnlineCpus,
        HotplugOp.PutOnlineCpus,
        HotplugOp.CpuHotplugBegin,
        HotplugOp.CpuHotplugDone,
        HotplugOp.ReadNumThreads,
        HotplugOp.StopCpus,
        HotplugOp.TakeCpuDown,
        HotplugOp.SetCpuOnline,
        HotplugOp.StopperEnabled,
        HotplugOp.SkipIfSmpMode,
        HotplugOp.SetSmpMode {

  /** The function the step belongs to, for the timeline and the lock-order checker. */
  String site();

  /** {@code mutex_lock(&mutex)}: waits while another task owns it. */
  record MutexLock(String mutex, String site) implements HotplugOp {}

  /** {@code mutex_unlock(&mutex)}. */
  record MutexUnlock(String mutex, String site) implements HotplugOp {}

  /**
   * {@code get_online_cpus()} (v2.6.38 {@code kernel/cpu.c}:60-69): return at once for the active
   * writer; else {@code mutex_lock(&cpu_hotplug.lock); refcount++; mutex_unlock()}.
   */
  record GetOnlineCpus(String site) implements HotplugOp {}

  /**
   * {@code put_online_cpus()} (cpu.c:72-81): under {@code cpu_hotplug.lock}, {@code refcount--} and
   * wake the writer when it reaches 0.
   */
  record PutOnlineCpus(String site) implements HotplugOp {}

  /**
   * {@code cpu_hotplug_begin()} (cpu.c:106-118): {@code active_writer = current}, then take {@code
   * cpu_hotplug.lock} and keep it once {@code refcount} is 0 (the writer sleeps without the mutex
   * while readers hold references).
   */
  record CpuHotplugBegin(String site) implements HotplugOp {}

  /** {@code cpu_hotplug_done()} (cpu.c:120-124): {@code active_writer = NULL}, unlock. */
  record CpuHotplugDone(String site) implements HotplugOp {}

  /**
   * {@code __stop_machine()} (v2.6.38 {@code kernel/stop_machine.c}:465-469): {@code num_threads =
   * num_online_cpus()}, read before {@code stop_cpus()} takes {@code stop_cpus_mutex}.
   */
  record ReadNumThreads(String site) implements HotplugOp {}

  /**
   * {@code __stop_cpus(cpu_online_mask, stop_machine_cpu_stop, ...)} (stop_machine.c:139-167,
   * called with {@code stop_cpus_mutex} held): the work is queued on the CPUs online now; a CPU
   * whose stopper is not enabled completes it at once without running it ({@code
   * cpu_stop_queue_work()}, 64-78). If fewer stoppers run than {@code num_threads}, {@code
   * ack_state()} (420-424) never moves the barrier on: the stoppers spin for ever.
   */
  record StopCpus(String site) implements HotplugOp {}

  /**
   * {@code take_cpu_down()} (cpu.c:197-210), run by the stop of {@code _cpu_down()}: {@code
   * __cpu_disable()} removes {@code cpu} from {@code cpu_online_mask} ({@code
   * cpu_disable_common()}, {@code arch/x86/kernel/smpboot.c}).
   */
  record TakeCpuDown(int cpu, String site) implements HotplugOp {}

  /** {@code start_secondary()} ({@code smpboot.c}): {@code set_cpu_online(cpu, true)}. */
  record SetCpuOnline(int cpu, String site) implements HotplugOp {}

  /**
   * {@code cpu_stop_cpu_callback()} (stop_machine.c:294-345): {@code stopper->enabled = true} at
   * {@code CPU_ONLINE}, false at {@code CPU_POST_DEAD} / {@code CPU_UP_CANCELED}.
   */
  record StopperEnabled(int cpu, boolean enabled, String site) implements HotplugOp {}

  /**
   * {@code alternatives_smp_switch()} ({@code arch/x86/kernel/alternative.c}:376-382 of v2.6.38):
   * {@code if (smp == smp_mode) nothing}: skip the next {@code skip} steps (the text_mutex section
   * that patches the lock prefixes).
   */
  record SkipIfSmpMode(int smp, int skip, String site) implements HotplugOp {}

  /** {@code smp_mode = smp} (alternative.c:399). */
  record SetSmpMode(int smp, String site) implements HotplugOp {}
}
