package org.kernsim.actors.kprobes;

import static org.kernsim.actors.kprobes.Kprobe.KPROBE_FLAG_DISABLED;
import static org.kernsim.actors.kprobes.Kprobe.KPROBE_FLAG_OPTIMIZED;

import java.util.List;
import org.kernsim.protocol.kprobes.CodeChange;
import org.kernsim.protocol.kprobes.KprobeApi;
import org.kernsim.protocol.kprobes.OptimizerMessage.OptimizerStep;

/**
 * {@code kernel/kprobes.c} of v2.6.36 and v2.6.37 ({@link Kernel#V2_6_36}, {@link Kernel#V2_6_37}):
 * jump optimisation as introduced in 2.6.34, the kernel the seed 6274de4984a6 patched. Only the
 * functions that differ from the seed's kernel ({@link KprobeCore}) are here, each written after
 * its v2.6.37 source (v2.6.36 differs where noted):
 *
 * <ul>
 *   <li>{@code unoptimize_kprobe(p)} has no {@code force}: an optimised probe is patched back at
 *       once, {@code arch_unoptimize_kprobe()} = one {@code text_poke_smp()} = one stop_machine, in
 *       the caller's kprobe_mutex section; there is no {@code unoptimizing_list}, no unused
 *       aggregator, no free list;
 *   <li>{@code kprobe_optimizer()}: module_mutex, kprobe_mutex; if all disarmed or optimisation is
 *       forbidden, nothing (not even the grace period); else {@code synchronize_sched()}, then each
 *       queued probe gets its own {@code text_poke_smp()}; unlock. No batching, no re-kick, no
 *       {@code optimizer_comp};
 *   <li>{@code unregister_kprobes()} frees an aggregator in its bottom half, after the grace
 *       period; {@code unoptimize_all_kprobes()} patches at once and calls {@code
 *       synchronize_sched()} inside kprobe_mutex; {@code disarm_all_kprobes()} takes the hotplug
 *       lock ("disarming may also unoptimize kprobes") and waits for a grace period after the
 *       mutex, not for the optimizer.
 * </ul>
 */
final class PreSeedKprobes extends KprobeCore {

  PreSeedKprobes(Config cfg, List<ProbeDef> defs) {
    super(cfg, defs);
    if (cfg.kernel().delayedUnoptimizing())
      throw new IllegalArgumentException(cfg.kernel().label() + " is not a pre-seed kernel");
  }

  /** {@code optimize_kprobe(p)}: queue an eligible, not yet optimised probe and kick. */
  @Override
  void optimizeKprobe(Kprobe p) {
    final String fn = "optimize_kprobe";
    if (!kprobeOptready(p) || !kprobesAllowOptimization || kprobeDisabled(p) || kprobesAllDisarmed)
      return;
    if (p.postHandler) return; // "Both of break_handler and post_handler are not supported."
    if (!archCheckOptimizedKprobe(p)) return;
    if (kprobeOptimized(p)) return; // "Check if it is already optimized."
    setFlag(p, KPROBE_FLAG_OPTIMIZED, true, fn);
    listAdd(p, Kprobe.OpList.OPTIMIZING, fn);
    kickKprobeOptimizer(fn);
  }

  /**
   * {@code unoptimize_kprobe(p)}: dequeue an optimising probe, or "Replace jump with break" at once
   * ({@code arch_unoptimize_kprobe()}: {@code text_poke_smp()}); clear OPTIMIZED. {@code force}
   * does not exist in this kernel.
   */
  @Override
  void unoptimizeKprobe(Kprobe p, boolean force) {
    final String fn = "unoptimize_kprobe";
    if (kprobeOptimized(p) && kprobeAggrprobe(p)) {
      if (kprobeQueued(p)) {
        listDelInit(p, fn); // "Dequeue from the optimization queue"
      } else {
        textPokeSmp("arch_unoptimize_kprobe", List.of(new CodeChange.JumpRestore(p.addr, p.id)));
      }
      setFlag(p, KPROBE_FLAG_OPTIMIZED, false, fn);
    }
  }

  /** {@code __disarm_kprobe(p)}: un-optimise, remove the breakpoint, re-optimise a blocked one. */
  @Override
  void disarmKprobeLocked(Kprobe p, boolean reopt) {
    unoptimizeKprobe(p, false); // "Try to unoptimize"
    archDisarmKprobe(p);
    Kprobe other = getOptimizedKprobe(p.addr); // "If another kprobe was blocked, optimize it."
    if (other != null) optimizeKprobe(other);
  }

  /** {@code disarm_kprobe(p)}: "get_online_cpus(); For avoiding text_mutex deadlock". */
  @Override
  void disarmKprobe(Kprobe p) {
    lock(Lock.CPU_HOTPLUG);
    lock(Lock.TEXT_MUTEX);
    disarmKprobeLocked(p, true);
    unlock(Lock.TEXT_MUTEX);
    unlock(Lock.CPU_HOTPLUG);
  }

  /**
   * {@code kill_optimized_kprobe(p)}: dequeue (and clear OPTIMIZED) if queued; "Don't unoptimize,
   * because the target code will be freed"; the detour buffer is released.
   */
  @Override
  void killOptimizedKprobe(Kprobe op) {
    final String fn = "kill_optimized_kprobe";
    if (kprobeQueued(op)) {
      listDelInit(op, fn);
      setFlag(op, KPROBE_FLAG_OPTIMIZED, false, fn);
    }
    op.optSize = 0; // arch_remove_optimized_kprobe
  }

  /** {@code try_to_disable_aggr_kprobe(p)}: disable the aggregator if no child is enabled. */
  private boolean tryToDisableAggrKprobe(Kprobe p) {
    for (Kprobe kp : p.list) if (!kprobeDisabled(kp)) return false;
    setFlag(p, KPROBE_FLAG_DISABLED, true, "try_to_disable_aggr_kprobe");
    return true;
  }

  /** {@code __unregister_kprobe_top(p)}: 0 or -EINVAL. */
  @Override
  int unregisterKprobeTop(Kprobe p) {
    final String fn = "__unregister_kprobe_top";
    Kprobe old = getValidKprobe(p);
    if (old == null) return KprobeApi.EINVAL;
    if (old == p || (kprobeAggrprobe(old) && old.list.size() == 1)) {
      // "Only probe on the hash list. Disarm only if kprobes are enabled and not gone"
      if (!kprobesAllDisarmed && !kprobeDisabled(old)) disarmKprobe(old);
      hashDel(old, fn);
    } else {
      old.list.remove(p); // list_del_rcu(&p->list)
      p.parent = null;
      dirty(old);
      if (!kprobeDisabled(old)) {
        tryToDisableAggrKprobe(old);
        if (!kprobesAllDisarmed) {
          if (kprobeDisabled(old)) disarmKprobe(old);
          else optimizeKprobe(old); // "Try to optimize this probe again"
        }
      }
    }
    return 0;
  }

  /** {@code disable_kprobe(kp)}. */
  @Override
  int disableKprobe(int id) {
    requireSection();
    Kprobe kp = probe(id);
    Kprobe p = kp == null ? null : getValidKprobe(kp);
    if (p == null) return KprobeApi.EINVAL;
    if (kprobeDisabled(kp)) return 0; // "already disabled (or gone)"
    setFlag(kp, KPROBE_FLAG_DISABLED, true, "disable_kprobe");
    if (p != kp) tryToDisableAggrKprobe(p); // "When kp != p, p is always enabled."
    if (!kprobesAllDisarmed && kprobeDisabled(p)) disarmKprobe(p);
    return 0;
  }

  /** {@code optimize_all_kprobes()}; v2.6.36 holds text_mutex around the loop. */
  @Override
  void optimizeAllKprobes() {
    requireSection();
    if (kprobesAllowOptimization) return;
    kprobesAllowOptimization = true;
    boolean text = cfg.kernel() == Kernel.V2_6_36;
    if (text) lock(Lock.TEXT_MUTEX);
    for (Kprobe p : List.copyOf(table.values())) if (!kprobeDisabled(p)) optimizeKprobe(p);
    if (text) unlock(Lock.TEXT_MUTEX);
    printk("Kprobes globally optimized");
  }

  /**
   * {@code unoptimize_all_kprobes()}: un-optimise every enabled probe at once (one stop_machine
   * each), then "Allow all currently running kprobes to complete": {@code synchronize_sched()}, all
   * inside the sysctl handler's kprobe_mutex section. No wait for the optimizer.
   */
  @Override
  void unoptimizeAllKprobes(boolean waitInside) {
    requireSection();
    if (!kprobesAllowOptimization) return;
    kprobesAllowOptimization = false;
    printk("Kprobes globally unoptimized");
    lock(Lock.CPU_HOTPLUG); // "For avoiding text_mutex deadlock"
    lock(Lock.TEXT_MUTEX);
    for (Kprobe p : List.copyOf(table.values())) if (!kprobeDisabled(p)) unoptimizeKprobe(p, false);
    unlock(Lock.TEXT_MUTEX);
    unlock(Lock.CPU_HOTPLUG);
    flush();
    fx.add(new Effects.SynchronizeSched());
  }

  /**
   * The kprobe_mutex section of {@code disarm_all_kprobes()}: "we call get_online_cpus() for
   * avoiding text_mutex deadlock, because disarming may also unoptimize kprobes"; the caller then
   * drops the mutex and calls {@code synchronize_sched()}.
   */
  @Override
  boolean disarmAllKprobes() {
    requireSection();
    if (kprobesAllDisarmed) return false;
    kprobesAllDisarmed = true;
    pending.add(new CodeChange.Globals(true, disarmAllReturnedCount()));
    printk("Kprobes globally disabled");
    lock(Lock.CPU_HOTPLUG);
    lock(Lock.TEXT_MUTEX);
    for (Kprobe p : List.copyOf(table.values())) {
      if (!kprobeDisabled(p)) disarmKprobeLocked(p, false);
    }
    unlock(Lock.TEXT_MUTEX);
    unlock(Lock.CPU_HOTPLUG);
    return true;
  }

  // ---------------------------------------------------------------------- kprobe_optimizer()

  /**
   * v2.6.37's {@code kprobe_optimizer()}: "if (kprobes_all_disarmed || !kprobes_allow_optimization)
   * goto end;" then {@code synchronize_sched()}, then the optimisation of every queued probe, then
   * unlock ({@link OptimizerStep#END}).
   */
  @Override
  OptimizerStep nextOptimizerStep(OptimizerStep done) {
    requireSection();
    if (done == null) {
      if (kprobesAllDisarmed || !kprobesAllowOptimization) return OptimizerStep.END;
      return cfg.noGracePeriod() ? OptimizerStep.DO_OPTIMIZE : OptimizerStep.SYNCHRONIZE;
    }
    return switch (done) {
      case SYNCHRONIZE -> OptimizerStep.DO_OPTIMIZE;
      case DO_OPTIMIZE, END -> OptimizerStep.END;
      case DO_UNOPTIMIZE, DO_FREE_CLEANED ->
          throw new IllegalStateException(done + " does not exist in " + cfg.kernel().label());
    };
  }

  /**
   * The optimisation loop of {@code kprobe_optimizer()}: under get_online_cpus and text_mutex, each
   * queued probe gets its own {@code arch_optimize_kprobe()} ({@code text_poke_smp()}, one
   * stop_machine); OPTIMIZED stays set; dequeue.
   */
  @Override
  int doOptimizeKprobes() {
    requireSection();
    final String fn = "kprobe_optimizer";
    lock(Lock.CPU_HOTPLUG);
    lock(Lock.TEXT_MUTEX);
    int n = 0;
    for (Kprobe op : List.copyOf(optimizingList)) {
      if (kprobeDisabled(op)) printk("WARNING: optimizing a disabled probe @" + op.addr);
      textPokeSmp(
          "arch_optimize_kprobe", List.of(new CodeChange.JumpWrite(op.addr, op.optSize, op.id)));
      listDelInit(op, fn);
      n++;
    }
    unlock(Lock.TEXT_MUTEX);
    unlock(Lock.CPU_HOTPLUG);
    return n;
  }

  @Override
  int doUnoptimizeKprobes() {
    throw new IllegalStateException("no do_unoptimize_kprobes() in " + cfg.kernel().label());
  }

  @Override
  int doFreeCleanedKprobes() {
    throw new IllegalStateException("no do_free_cleaned_kprobes() in " + cfg.kernel().label());
  }

  /** There is no Step 5: no re-kick, no {@code complete_all()}. */
  @Override
  boolean optimizerStep5() {
    requireSection();
    return false;
  }
}
