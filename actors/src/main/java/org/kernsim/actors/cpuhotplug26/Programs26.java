package org.kernsim.actors.cpuhotplug26;

import static org.kernsim.actors.cpuhotplug26.CpuHotplug26.CPU_ADD_REMOVE_LOCK;
import static org.kernsim.actors.cpuhotplug26.CpuHotplug26.KPROBE_MUTEX;
import static org.kernsim.actors.cpuhotplug26.CpuHotplug26.MODULE_MUTEX;
import static org.kernsim.actors.cpuhotplug26.CpuHotplug26.SMP_ALT;
import static org.kernsim.actors.cpuhotplug26.CpuHotplug26.STOP_CPUS_MUTEX;
import static org.kernsim.actors.cpuhotplug26.CpuHotplug26.TEXT_MUTEX;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.actors.cpuhotplug26.HotplugOp.CpuHotplugBegin;
import org.kernsim.actors.cpuhotplug26.HotplugOp.CpuHotplugDone;
import org.kernsim.actors.cpuhotplug26.HotplugOp.GetOnlineCpus;
import org.kernsim.actors.cpuhotplug26.HotplugOp.MutexLock;
import org.kernsim.actors.cpuhotplug26.HotplugOp.MutexUnlock;
import org.kernsim.actors.cpuhotplug26.HotplugOp.PutOnlineCpus;
import org.kernsim.actors.cpuhotplug26.HotplugOp.ReadNumThreads;
import org.kernsim.actors.cpuhotplug26.HotplugOp.SetCpuOnline;
import org.kernsim.actors.cpuhotplug26.HotplugOp.SetSmpMode;
import org.kernsim.actors.cpuhotplug26.HotplugOp.SkipIfSmpMode;
import org.kernsim.actors.cpuhotplug26.HotplugOp.StopCpus;
import org.kernsim.actors.cpuhotplug26.HotplugOp.StopperEnabled;
import org.kernsim.actors.cpuhotplug26.HotplugOp.TakeCpuDown;

/**
 * The paths SM-3 is about, each the sequence of lock and CPU-mask steps one kernel's function
 * performs, read from the trees of v2.6.36, v2.6.37 and v2.6.38 (file:line in the Javadoc of each,
 * and in {@code docs/kprobes.md}, "SM-3: the writer half"). Steps that take none of these locks
 * (the notifier chains, {@code synchronize_sched()}, {@code text_poke()} of an int3) are left out:
 * they cannot wait for, nor hold, anything the other paths need.
 */
public final class Programs26 {
  private Programs26() {}

  /** One kernel, whole. */
  public enum Era {
    V2_6_36("2.6.36"),
    V2_6_37("2.6.37"),
    V2_6_38("2.6.38");

    public final String version;

    Era(String version) {
      this.version = version;
    }

    /** {@code kprobes.kernel} value to era; {@code null} if it is not one of the three. */
    public static Era of(String version) {
      for (Era e : values()) if (e.version.equals(version)) return e;
      return null;
    }
  }

  // ================================================================== the writer (kernel/cpu.c)

  /**
   * {@code cpu_down(cpu)} with {@code onlineBefore} CPUs online (v2.6.38 {@code kernel/cpu.c}:
   * 273-290 and {@code _cpu_down()} 213-271; the same in v2.6.36 and v2.6.37): {@code
   * cpu_maps_update_begin()}, {@code cpu_hotplug_begin()}, {@code CPU_DOWN_PREPARE}, {@code
   * __stop_machine(take_cpu_down, ..., cpumask_of(cpu))} (239; no {@code get_online_cpus()}: the
   * writer is the hotplug lock), {@code __cpu_die()} = {@code native_cpu_die()} ({@code
   * arch/x86/kernel/smpboot.c}:1358-1376), which calls {@code alternatives_smp_switch(0)} when one
   * CPU is left ({@code if (1 == num_online_cpus())}, 1369-1370), {@code CPU_DEAD}, {@code
   * cpu_hotplug_done()}, {@code CPU_POST_DEAD} (the stopper is disabled, stop_machine.c:325-336),
   * {@code cpu_maps_update_done()}.
   */
  public static List<HotplugOp> cpuDown(int cpu, int onlineBefore) {
    List<HotplugOp> p = new ArrayList<>();
    p.add(new MutexLock(CPU_ADD_REMOVE_LOCK, "cpu_down"));
    p.add(new CpuHotplugBegin("_cpu_down"));
    stopMachineBody(p, "_cpu_down", new TakeCpuDown(cpu, "take_cpu_down"));
    if (onlineBefore - 1 == 1) alternativesSmpSwitch(p, 0, "native_cpu_die");
    p.add(new CpuHotplugDone("_cpu_down"));
    p.add(new StopperEnabled(cpu, false, "cpu_stop_cpu_callback(CPU_POST_DEAD)"));
    p.add(new MutexUnlock(CPU_ADD_REMOVE_LOCK, "cpu_down"));
    return p;
  }

  /**
   * {@code cpu_up(cpu)} (cpu.c:329-382, {@code _cpu_up()} 294-327): {@code
   * cpu_maps_update_begin()}, {@code cpu_hotplug_begin()}, {@code CPU_UP_PREPARE} (the stopper
   * thread is created, not enabled), {@code __cpu_up()} = {@code native_cpu_up()} ({@code
   * smpboot.c}:894-946) -> {@code do_boot_cpu()}, whose first act is {@code
   * alternatives_smp_switch(1)} (749); the AP's {@code start_secondary()} sets it online; then
   * {@code CPU_ONLINE} enables its stopper (stop_machine.c:314-321), {@code cpu_hotplug_done()}.
   */
  public static List<HotplugOp> cpuUp(int cpu) {
    List<HotplugOp> p = new ArrayList<>();
    p.add(new MutexLock(CPU_ADD_REMOVE_LOCK, "cpu_up"));
    p.add(new CpuHotplugBegin("_cpu_up"));
    alternativesSmpSwitch(p, 1, "do_boot_cpu");
    p.add(new SetCpuOnline(cpu, "start_secondary"));
    p.add(new StopperEnabled(cpu, true, "cpu_stop_cpu_callback(CPU_ONLINE)"));
    p.add(new CpuHotplugDone("_cpu_up"));
    p.add(new MutexUnlock(CPU_ADD_REMOVE_LOCK, "cpu_up"));
    return p;
  }

  /**
   * {@code alternatives_smp_switch(smp)} ({@code arch/x86/kernel/alternative.c}:357-401 of v2.6.38,
   * 356-400 of v2.6.36/37): {@code mutex_lock(&smp_alt)}; unless {@code smp == smp_mode}, each
   * registered module's lock prefixes are patched by {@code alternatives_smp_lock()} / {@code
   * _unlock()} (239-276), each under {@code mutex_lock(&text_mutex)}; {@code smp_mode = smp}. One
   * module is registered here, "core kernel" ({@code alternative_instructions()}, 495-497: always,
   * unless {@code smp_alt_once}, i.e. one possible CPU or {@code smp-alt-boot}).
   */
  static void alternativesSmpSwitch(List<HotplugOp> p, int smp, String caller) {
    String site = "alternatives_smp_switch(" + smp + ") from " + caller;
    String patch = smp == 1 ? "alternatives_smp_lock" : "alternatives_smp_unlock";
    p.add(new MutexLock(SMP_ALT, site));
    p.add(new SkipIfSmpMode(smp, 2, site));
    p.add(new MutexLock(TEXT_MUTEX, patch));
    p.add(new MutexUnlock(TEXT_MUTEX, patch));
    p.add(new SetSmpMode(smp, site));
    p.add(new MutexUnlock(SMP_ALT, site));
  }

  /**
   * {@code __stop_machine()} (stop_machine.c:465-474): {@code num_threads = num_online_cpus()},
   * then {@code stop_cpus(cpu_online_mask, ...)}: {@code stop_cpus_mutex} (197-206), the work on
   * the CPUs online then; {@code then} runs in the stop (for the writer: {@code take_cpu_down()}).
   */
  static void stopMachineBody(List<HotplugOp> p, String caller, HotplugOp then) {
    p.add(new ReadNumThreads("__stop_machine from " + caller));
    p.add(new MutexLock(STOP_CPUS_MUTEX, "stop_cpus from " + caller));
    p.add(new StopCpus("__stop_cpus from " + caller));
    if (then != null) p.add(then);
    p.add(new MutexUnlock(STOP_CPUS_MUTEX, "stop_cpus from " + caller));
  }

  /**
   * {@code text_poke_smp()} / {@code text_poke_smp_batch()} ({@code alternative.c}): v2.6.36 calls
   * {@code stop_machine()} (631-640), which takes {@code get_online_cpus()} itself
   * (stop_machine.c:476-485); v2.6.37 and v2.6.38 call {@code __stop_machine()} ("the caller
   * already got online_cpus", 640-641 of v2.6.37, 652-653 and 674 of v2.6.38).
   */
  static void textPokeSmp(List<HotplugOp> p, Era era, String caller) {
    if (era == Era.V2_6_36) {
      p.add(new GetOnlineCpus("stop_machine from " + caller));
      stopMachineBody(p, caller, null);
      p.add(new PutOnlineCpus("stop_machine from " + caller));
    } else {
      stopMachineBody(p, caller, null);
    }
  }

  // ================================================================== kprobes (kernel/kprobes.c)

  /**
   * {@code enable_kprobe(p)} of a disabled probe whose address lies inside the jump of an optimized
   * probe (the same path: {@code arm_all_kprobes()}, debugfs {@code enabled} 1): {@code
   * kprobe_mutex}, then {@code arm_kprobe()} takes {@code text_mutex} alone ("since __arm_kprobe()
   * doesn't use stop_machine(), ... we don't need get_online_cpus()": v2.6.36 kprobes.c:718-728,
   * v2.6.37 720-730, v2.6.38 911-921), and {@code __arm_kprobe()} falls back from the covering
   * probe's jump: v2.6.36/37 {@code unoptimize_kprobe(old_p)} -> {@code arch_unoptimize_kprobe()}
   * -> {@code text_poke_smp()} (v2.6.36 kprobes.c:674-677 and 504-518); v2.6.38 {@code
   * unoptimize_kprobe(_p, true)} -> {@code force_unoptimize_kprobe()}, which takes {@code
   * get_online_cpus()} there, inside text_mutex (853-856, 642-649).
   */
  public static List<HotplugOp> enableKprobeOverJump(Era era) {
    return armOverJump(era, "enable_kprobe", "arm_kprobe");
  }

  /**
   * {@code arm_all_kprobes()} (debugfs {@code enabled} 1) with a probe inside an optimized probe's
   * jump: {@code kprobe_mutex}, {@code mutex_lock(&text_mutex)} alone (v2.6.36 kprobes.c:1881-1888,
   * v2.6.38 2108-2115), {@code __arm_kprobe()} per probe: the same fall-back as {@link
   * #enableKprobeOverJump}.
   */
  public static List<HotplugOp> armAllKprobesOverJump(Era era) {
    return armOverJump(era, "arm_all_kprobes", "arm_all_kprobes");
  }

  private static List<HotplugOp> armOverJump(Era era, String caller, String textSite) {
    List<HotplugOp> p = new ArrayList<>();
    p.add(new MutexLock(KPROBE_MUTEX, caller));
    p.add(new MutexLock(TEXT_MUTEX, textSite));
    if (era == Era.V2_6_38) {
      p.add(new GetOnlineCpus("force_unoptimize_kprobe"));
      textPokeSmp(p, era, "arch_unoptimize_kprobe");
      p.add(new PutOnlineCpus("force_unoptimize_kprobe"));
    } else {
      textPokeSmp(p, era, "arch_unoptimize_kprobe");
    }
    p.add(new MutexUnlock(TEXT_MUTEX, textSite));
    p.add(new MutexUnlock(KPROBE_MUTEX, caller));
    return p;
  }

  /**
   * v2.6.37 and v2.6.38 only: {@code arch_jump_label_transform()} ({@code
   * arch/x86/kernel/jump_label.c}:27-43 of both), under {@code jump_label_lock()} (left out: no
   * hotplug path takes it): {@code get_online_cpus()}, then {@code text_mutex}, then {@code
   * text_poke_smp()}; the other text_mutex user of these trees besides kprobes and alternatives.
   */
  public static List<HotplugOp> archJumpLabelTransform(Era era) {
    if (era == Era.V2_6_36) throw new IllegalArgumentException("v2.6.36 has no jump labels");
    List<HotplugOp> p = new ArrayList<>();
    p.add(new GetOnlineCpus("arch_jump_label_transform"));
    p.add(new MutexLock(TEXT_MUTEX, "arch_jump_label_transform"));
    textPokeSmp(p, era, "arch_jump_label_transform");
    p.add(new MutexUnlock(TEXT_MUTEX, "arch_jump_label_transform"));
    p.add(new PutOnlineCpus("arch_jump_label_transform"));
    return p;
  }

  /**
   * One run of {@code kprobe_optimizer()} that patches: {@code module_mutex}, {@code kprobe_mutex},
   * and around every patch {@code get_online_cpus()} before {@code text_mutex} (the 2010 comment):
   * v2.6.36 kprobes.c:429-471 (one {@code text_poke_smp()} per queued probe; two here), v2.6.37
   * 431-473; v2.6.38 {@code do_unoptimize_kprobes()} (509-536: 518-519) and {@code
   * do_optimize_kprobes()} (481-507: 498-499), one {@code text_poke_smp_batch()} each.
   */
  public static List<HotplugOp> kprobeOptimizer(Era era) {
    List<HotplugOp> p = new ArrayList<>();
    p.add(new MutexLock(MODULE_MUTEX, "kprobe_optimizer"));
    p.add(new MutexLock(KPROBE_MUTEX, "kprobe_optimizer"));
    if (era == Era.V2_6_38) {
      for (String f : List.of("do_unoptimize_kprobes", "do_optimize_kprobes")) {
        p.add(new GetOnlineCpus(f));
        p.add(new MutexLock(TEXT_MUTEX, f));
        stopMachineBody(p, "text_poke_smp_batch in " + f, null);
        p.add(new MutexUnlock(TEXT_MUTEX, f));
        p.add(new PutOnlineCpus(f));
      }
    } else {
      p.add(new GetOnlineCpus("kprobe_optimizer"));
      p.add(new MutexLock(TEXT_MUTEX, "kprobe_optimizer"));
      textPokeSmp(p, era, "arch_optimize_kprobe");
      textPokeSmp(p, era, "arch_optimize_kprobe");
      p.add(new MutexUnlock(TEXT_MUTEX, "kprobe_optimizer"));
      p.add(new PutOnlineCpus("kprobe_optimizer"));
    }
    p.add(new MutexUnlock(KPROBE_MUTEX, "kprobe_optimizer"));
    p.add(new MutexUnlock(MODULE_MUTEX, "kprobe_optimizer"));
    return p;
  }

  /**
   * {@code disable_kprobe(p)} of an optimized probe: v2.6.36/37 {@code disarm_kprobe()} takes
   * {@code get_online_cpus()} before {@code text_mutex} (v2.6.36 kprobes.c:731-738) and un-patches
   * at once ({@code __disarm_kprobe()} -> {@code unoptimize_kprobe()} -> {@code text_poke_smp()});
   * v2.6.38's {@code disarm_kprobe()} takes text_mutex alone (924-930) but only queues the
   * un-optimisation ({@code __disarm_kprobe(p, true)} -> {@code unoptimize_kprobe(p, false)},
   * 863-877, 685-687): no stop_machine, no hotplug lock.
   */
  public static List<HotplugOp> disableKprobeOptimized(Era era) {
    List<HotplugOp> p = new ArrayList<>();
    p.add(new MutexLock(KPROBE_MUTEX, "disable_kprobe"));
    if (era == Era.V2_6_38) {
      p.add(new MutexLock(TEXT_MUTEX, "disarm_kprobe"));
      p.add(new MutexUnlock(TEXT_MUTEX, "disarm_kprobe"));
    } else {
      p.add(new GetOnlineCpus("disarm_kprobe"));
      p.add(new MutexLock(TEXT_MUTEX, "disarm_kprobe"));
      textPokeSmp(p, era, "arch_unoptimize_kprobe");
      p.add(new MutexUnlock(TEXT_MUTEX, "disarm_kprobe"));
      p.add(new PutOnlineCpus("disarm_kprobe"));
    }
    p.add(new MutexUnlock(KPROBE_MUTEX, "disable_kprobe"));
    return p;
  }

  /**
   * {@code register_kprobe(p)} at an address inside an optimized probe's jump: {@code
   * get_online_cpus()} before {@code text_mutex} (v2.6.36 kprobes.c:1182-1183, v2.6.37 1190-1191,
   * v2.6.38 1364-1365), then {@code __arm_kprobe()} falls back from the covering jump as in {@link
   * #enableKprobeOverJump} (v2.6.38: {@code force_unoptimize_kprobe()}'s {@code get_online_cpus()}
   * is a second reference). v2.6.37/38's {@code jump_label_lock()} before it (1188) is left out: no
   * hotplug path here takes it.
   */
  public static List<HotplugOp> registerKprobeOverJump(Era era) {
    List<HotplugOp> p = new ArrayList<>();
    p.add(new MutexLock(KPROBE_MUTEX, "register_kprobe"));
    p.add(new GetOnlineCpus("register_kprobe"));
    p.add(new MutexLock(TEXT_MUTEX, "register_kprobe"));
    if (era == Era.V2_6_38) p.add(new GetOnlineCpus("force_unoptimize_kprobe"));
    textPokeSmp(p, era, "arch_unoptimize_kprobe");
    if (era == Era.V2_6_38) p.add(new PutOnlineCpus("force_unoptimize_kprobe"));
    p.add(new MutexUnlock(TEXT_MUTEX, "register_kprobe"));
    p.add(new PutOnlineCpus("register_kprobe"));
    p.add(new MutexUnlock(KPROBE_MUTEX, "register_kprobe"));
    return p;
  }
}
