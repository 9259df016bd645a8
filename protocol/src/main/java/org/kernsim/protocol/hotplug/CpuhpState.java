package org.kernsim.protocol.hotplug;

/**
 * The CPU hotplug states the model implements, in the kernel's order ({@code enum cpuhp_state},
 * {@code include/linux/cpuhotplug.h}; the kernel has ~200, the model the ones whose callbacks it
 * runs), and the CPU notifier events of the era before the state machine (v3.8/v3.9, {@code
 * include/linux/cpu.h}). A CPU goes up through the states in this order and down in the reverse
 * one; {@link #where()} says who runs a state's callback.
 */
public enum CpuhpState {
  /** The CPU is offline. */
  OFFLINE(Where.BP),
  /** {@code workqueue_prepare_cpu()}: a first kworker for each per-CPU pool (no teardown). */
  WORKQUEUE_PREP(Where.BP),
  /** {@code bringup_cpu()}: the AP boots (no teardown: {@link #TEARDOWN_CPU} takes it down). */
  BRINGUP_CPU(Where.BP),
  /** Reached by the dying AP after {@code take_cpu_down()} ({@code cpuhp_report_idle_dead()}). */
  AP_IDLE_DEAD(Where.AP_IRQS_OFF),
  /** {@code sched_cpu_starting()} / {@code sched_cpu_dying()}: with IRQs off on the AP. */
  AP_SCHED_STARTING(Where.AP_IRQS_OFF),
  /** The AP is online; STARTING states above, thread states below. */
  AP_ONLINE(Where.AP_IRQS_OFF),
  /** {@code takedown_cpu()}: {@code stop_machine_cpuslocked(take_cpu_down)} (teardown only). */
  TEARDOWN_CPU(Where.BP),
  /** {@code cpuhp_online_idle()}: the AP went idle, its stopper is unparked. */
  AP_ONLINE_IDLE(Where.AP_THREAD),
  /** {@code sched_cpu_wait_empty()}: wait until only the hotplug thread is left (teardown). */
  AP_SCHED_WAIT_EMPTY(Where.AP_THREAD),
  /**
   * {@code workqueue_online_cpu()} / {@code workqueue_offline_cpu()} ({@code unbind_workers()}).
   */
  AP_WORKQUEUE_ONLINE(Where.AP_THREAD),
  /** {@code sched_cpu_activate()} / {@code sched_cpu_deactivate()}. */
  AP_ACTIVE(Where.AP_THREAD),
  /** The CPU is fully online. */
  ONLINE(Where.AP_THREAD),

  // ---------------------------------------------------------------- v3.8/v3.9 notifier events
  /** {@code CPU_UP_PREPARE}: notifiers on the caller's CPU before the AP boots. */
  CPU_UP_PREPARE(Where.BP),
  /** {@code CPU_ONLINE}: notifiers on the caller's CPU once the AP is up. */
  CPU_ONLINE(Where.BP),
  /** {@code CPU_DOWN_PREPARE}: notifiers on the caller's CPU before {@code __stop_machine()}. */
  CPU_DOWN_PREPARE(Where.BP),
  /** {@code CPU_DYING}: notifiers on the dying CPU inside {@code take_cpu_down()}, IRQs off. */
  CPU_DYING(Where.AP_IRQS_OFF),
  /** {@code CPU_DEAD}: notifiers on the caller's CPU once the CPU is dead. */
  CPU_DEAD(Where.BP);

  /** Where a state's callback runs. */
  public enum Where {
    /** On the control ("boot") processor, in the caller of {@code cpu_down()}/{@code cpu_up()}. */
    BP,
    /** On the hotplug CPU, in its {@code cpuhp/N} thread. */
    AP_THREAD,
    /** On the hotplug CPU with interrupts off (in {@code take_cpu_down()} or while it boots). */
    AP_IRQS_OFF
  }

  private final Where where;

  CpuhpState(Where where) {
    this.where = where;
  }

  public Where where() {
    return where;
  }

  /** The kernel's name ({@code CPUHP_AP_WORKQUEUE_ONLINE}, {@code CPU_DOWN_PREPARE}). */
  public String kernelName() {
    return name().startsWith("CPU_") ? name() : "CPUHP_" + name();
  }
}
