package org.kernsim.actors.hotplug;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.actors.machine.HotplugConfig;
import org.kernsim.protocol.hotplug.CpuhpState;

/**
 * The sequence of a CPU hotplug operation in one kernel version, as plain data: which steps {@code
 * _cpu_down()} and {@code _cpu_up()} take and in what order ({@code kernel/cpu.c}). The {@link
 * CpuHotplug} entity interprets it.
 *
 * <p>mainline-2026 (the cpuhp state machine, v4.10 and later; read from v6.13.7 {@code
 * kernel/cpu.c}, {@code include/linux/cpuhotplug.h} — whose state order {@link CpuhpState} keeps —
 * and {@code kernel/sched/core.c}, and checked against a 2026 mainline copy):
 *
 * <pre>
 * _cpu_down():  cpu_maps_update_begin(); cpus_write_lock();
 *               cpuhp_kick_ap_work(): on cpuhp/N, the thread states from CPUHP_ONLINE down
 *                 (AP_ACTIVE: sched_cpu_deactivate(), AP_WORKQUEUE_ONLINE: workqueue_offline_cpu(),
 *                  AP_SCHED_WAIT_EMPTY: sched_cpu_wait_empty());
 *               CPUHP_TEARDOWN_CPU: takedown_cpu(): stop_machine_cpuslocked(take_cpu_down, cpu),
 *                 wait for the AP to die (cpuhp_bp_sync_dead);
 *               the BP states' teardowns below TEARDOWN_CPU, in reverse;
 *               cpus_write_unlock(); cpu_maps_update_done();
 * _cpu_up():    cpu_maps_update_begin(); cpus_write_lock();
 *               the BP states' startups up to CPUHP_BRINGUP_CPU (WORKQUEUE_PREP:
 *                 workqueue_prepare_cpu()), then bringup_cpu(): the AP boots and goes idle;
 *               cpuhp_kick_ap_work(): the thread states up to CPUHP_ONLINE
 *                 (AP_WORKQUEUE_ONLINE: workqueue_online_cpu(), AP_ACTIVE: sched_cpu_activate());
 *               cpus_write_unlock(); cpu_maps_update_done();
 * </pre>
 *
 * <p>v3.8 / v3.9 (CPU notifiers; read from v3.8.3 and v3.9.6 {@code kernel/cpu.c}):
 *
 * <pre>
 * _cpu_down():  cpu_maps_update_begin(); cpu_hotplug_begin();
 *               __cpu_notify(CPU_DOWN_PREPARE) (workqueue's first, then sched_cpu_inactive());
 *               __stop_machine(take_cpu_down): __cpu_disable(), CPU_DYING (migrate_tasks());
 *               wait until the CPU is idle, __cpu_die(); cpu_notify_nofail(CPU_DEAD);
 *               cpu_hotplug_done(); cpu_maps_update_done();
 * </pre>
 */
public final class Cpuhp {
  private Cpuhp() {}

  /** What a step does. */
  public enum Kind {
    /**
     * {@code cpu_maps_update_begin()} + {@code cpus_write_lock()} / {@code cpu_hotplug_begin()}.
     */
    WRITE_LOCK,
    /** The registered callbacks of a BP state (or notifier event), one after the other. */
    BP_CALLBACKS,
    /** {@code sched_cpu_inactive()} (v3.8's {@code CPU_DOWN_PREPARE} notifier): inactive. */
    SCHED_INACTIVE,
    /** {@code cpuhp_kick_ap_work()}: the hotplug thread runs the thread states. */
    AP_THREAD,
    /** {@code bringup_cpu()}: the AP boots, goes online and idle. */
    BRINGUP,
    /** {@code takedown_cpu()}: {@code stop_machine(take_cpu_down)}, then the AP dies. */
    TAKEDOWN,
    /** {@code cpus_write_unlock()} + {@code cpu_maps_update_done()}. */
    WRITE_UNLOCK
  }

  /** One step: {@code state} for callback steps, else null. */
  public record Step(Kind kind, CpuhpState state) {
    static Step of(Kind k) {
      return new Step(k, null);
    }

    @Override
    public String toString() {
      return state == null ? kind.name() : kind + "(" + state.kernelName() + ")";
    }
  }

  /** The steps of {@code _cpu_down()} ({@code bringup} false) or {@code _cpu_up()}. */
  public static List<Step> steps(HotplugConfig.Kernel kernel, boolean bringup) {
    List<Step> out = new ArrayList<>();
    out.add(Step.of(Kind.WRITE_LOCK));
    if (kernel.notifiers()) {
      if (bringup) throw new IllegalStateException("cpu_up() is not modelled for " + kernel.key());
      out.add(new Step(Kind.BP_CALLBACKS, CpuhpState.CPU_DOWN_PREPARE));
      out.add(Step.of(Kind.SCHED_INACTIVE));
      out.add(Step.of(Kind.TAKEDOWN));
      out.add(new Step(Kind.BP_CALLBACKS, CpuhpState.CPU_DEAD));
    } else if (bringup) {
      for (CpuhpState s : bpStatesUpTo(CpuhpState.BRINGUP_CPU)) {
        if (s == CpuhpState.BRINGUP_CPU) out.add(Step.of(Kind.BRINGUP));
        else out.add(new Step(Kind.BP_CALLBACKS, s));
      }
      out.add(Step.of(Kind.AP_THREAD));
    } else {
      out.add(Step.of(Kind.AP_THREAD));
      out.add(Step.of(Kind.TAKEDOWN));
      List<CpuhpState> dead = bpStatesUpTo(CpuhpState.BRINGUP_CPU);
      for (int i = dead.size() - 1; i >= 0; i--) {
        if (dead.get(i) != CpuhpState.BRINGUP_CPU)
          out.add(new Step(Kind.BP_CALLBACKS, dead.get(i)));
      }
    }
    out.add(Step.of(Kind.WRITE_UNLOCK));
    return out;
  }

  /** The states {@code cpuhp/N} runs, in the order it runs them. */
  public static List<CpuhpState> threadStates(boolean bringup) {
    List<CpuhpState> out = new ArrayList<>();
    for (CpuhpState s : CpuhpState.values()) {
      if (s.where() == CpuhpState.Where.AP_THREAD && s.ordinal() < CpuhpState.ONLINE.ordinal())
        out.add(s);
    }
    if (!bringup) java.util.Collections.reverse(out);
    return out;
  }

  /** The control CPU's states of the state machine, from the first up to {@code last}. */
  private static List<CpuhpState> bpStatesUpTo(CpuhpState last) {
    List<CpuhpState> out = new ArrayList<>();
    for (CpuhpState s : CpuhpState.values()) {
      if (s == CpuhpState.OFFLINE) continue;
      if (s.ordinal() > last.ordinal()) break;
      if (s.where() == CpuhpState.Where.BP) out.add(s);
    }
    return out;
  }

  /**
   * Why {@code cpu_down(cpu)} / {@code cpu_up(cpu)} is refused or a no-op, or null: {@code
   * _cpu_down()} returns -EBUSY for the last online CPU; an offline CPU going down, or an online
   * one going up, is a no-op returning 0 ({@code cpu_device_down()} / {@code cpu_device_up()} see
   * {@code dev->offline}).
   */
  public static String refusal(java.util.BitSet online, int cpu, boolean up) {
    if (up) return online.get(cpu) ? "already online" : null;
    if (!online.get(cpu)) return "already offline";
    if (online.cardinality() == 1) return "the last online CPU (-EBUSY)";
    return null;
  }

  /** The errno of a refusal from {@link #refusal}. */
  public static int errno(String refusal) {
    return refusal.contains("EBUSY") ? -16 : 0;
  }
}
