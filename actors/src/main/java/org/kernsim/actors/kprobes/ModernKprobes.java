package org.kernsim.actors.kprobes;

import static org.kernsim.actors.kprobes.Kprobe.KPROBE_FLAG_DISABLED;
import static org.kernsim.actors.kprobes.Kprobe.KPROBE_FLAG_GONE;
import static org.kernsim.actors.kprobes.Kprobe.KPROBE_FLAG_OPTIMIZED;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.actors.textpoke.TextPokeBp;
import org.kernsim.protocol.kprobes.CodeChange;
import org.kernsim.protocol.kprobes.CodeChange.FirstByte;
import org.kernsim.protocol.kprobes.KprobeApi;
import org.kernsim.protocol.textpoke.TextPokeMessage;

/**
 * {@code kernel/kprobes.c} and the x86 optprobe code of the int3-patching kernels ({@link
 * Kernel#modern()}: 5.2 to 7.3), written after v6.1 and v6.13 (read) with each era's differences
 * where a commit changed a function (read in v5.2.1, v5.4, and the patches of f66c0447cca1 and
 * e4add247789e; {@link Kernel} names them):
 *
 * <ul>
 *   <li>code is patched by {@code text_poke_bp()} ({@code arch_optimize_kprobes()}: int3, sync,
 *       rel32, sync, jump opcode, sync; {@link TextPokeBp}) and, from 5.5, un-patched by {@code
 *       arch_unoptimize_kprobe()} with two {@code text_poke()}s and two {@code text_poke_sync()}s,
 *       so the CPUs observe INT3+REL; the int3 handler must find OPTIMIZED still set to detour;
 *   <li>{@code freeing_list} is global: force-unoptimised UNOPTIMIZING probes wait there for the
 *       next optimizer run (e4add247789e);
 *   <li>the optimizer takes kprobe_mutex, cpus_read_lock, text_mutex (and module_mutex until 5.5)
 *       for its whole run, waits with {@code synchronize_rcu_tasks()}, has no batch limit and no
 *       {@code optimizer_comp}; {@code wait_for_kprobe_optimizer()} flushes it, outside
 *       kprobe_mutex (the manager);
 *   <li>registering at an unused aggregator rescues it ({@code reuse_unused_kprobe()}); disarming
 *       all forces the un-optimisation ({@code unoptimize_kprobe(p, kprobes_all_disarmed)}).
 * </ul>
 */
final class ModernKprobes extends KprobeCore {
  private final Kernel k;

  ModernKprobes(Config cfg, List<ProbeDef> defs) {
    super(cfg, defs);
    this.k = cfg.kernel();
    if (!k.modern()) throw new IllegalArgumentException(k.label() + " is not an int3 kernel");
  }

  // ---------------------------------------------------------------------- arch code

  /**
   * {@code arch_arm_kprobe()} / {@code arch_disarm_kprobe()}: {@code text_poke()} of byte 0; from
   * 5.5 followed by {@code text_poke_sync()}.
   */
  @Override
  List<TextPokeMessage.Op> pokeOps(CodeChange store) {
    return k.unoptimizeThroughPokeHandler()
        ? TextPokeBp.textPoke(store)
        : TextPokeBp.textPokeSync(store);
  }

  private TextPokeBp.Version pokeVersion() {
    return k.unoptimizeThroughPokeHandler()
        ? TextPokeBp.Version.HANDLER
        : TextPokeBp.Version.EMULATE;
  }

  /** {@code arch_optimize_kprobes()} for one probe: {@code text_poke_bp()} of the 5-byte jump. */
  private void archOptimizeKprobe(Kprobe op) {
    code.put(op.addr, new Code(FirstByte.JMP, true, op.id));
    textPoke(
        "text_poke_bp(optimize)",
        TextPokeBp.textPokeBpBatch(
            pokeVersion(),
            List.of(
                new TextPokeBp.Site(
                    op.addr, new CodeChange.TailWrite(op.addr, op.id), FirstByte.JMP, op.id))));
  }

  /**
   * {@code arch_unoptimize_kprobe()}: v5.2-v5.4 {@code text_poke_bp(addr, int3+copied, 5,
   * op->optinsn.insn)} (a hit while patching goes to the detour); v5.5 on {@code text_poke(int3)},
   * {@code text_poke_sync()}, {@code text_poke(copied)}, {@code text_poke_sync()}: between the two
   * a CPU executes INT3+REL with no descriptor, and only OPTIMIZED still set sends it to the
   * detour.
   */
  private void archUnoptimizeKprobe(Kprobe op) {
    code.put(op.addr, new Code(FirstByte.INT3, false, -1));
    if (k.unoptimizeThroughPokeHandler()) {
      textPoke(
          "text_poke_bp(unoptimize)",
          TextPokeBp.textPokeBpBatch(
              pokeVersion(),
              List.of(
                  new TextPokeBp.Site(
                      op.addr, new CodeChange.TailRestore(op.addr), FirstByte.INT3, op.id))));
    } else {
      List<TextPokeMessage.Op> ops = new ArrayList<>();
      ops.addAll(TextPokeBp.textPokeSync(new CodeChange.TextPoke(op.addr, FirstByte.INT3)));
      ops.addAll(TextPokeBp.textPokeSync(new CodeChange.TailRestore(op.addr)));
      textPoke("arch_unoptimize_kprobe", ops);
    }
  }

  /**
   * K8 at the decision: a probe queued for optimisation has no probe in bytes 1..size-1 of its
   * window that is not disarmed (a disabled one under delayed un-optimisation still has its jump
   * there). The guard f1c97a1b4ef7 added to arch_check_optimized_kprobe() (KP-8).
   */
  private void checkWindowDisarmed(Kprobe op) {
    for (int i = 1; i < op.optSize; i++) {
      Kprobe p = table.get(op.addr + i);
      if (p != null && !kprobeDisarmed(p)) {
        violation(
            "K8_NoBreakpointInJumpWindow",
            "optimize_kprobe("
                + op
                + ") passes arch_check_optimized_kprobe() though "
                + p
                + " in its window is "
                + p.state()
                + ", not disarmed (its "
                + (codeAt(p.addr).firstByte() == FirstByte.JMP ? "jump" : "breakpoint")
                + " is still there)");
        return;
      }
    }
  }

  /** {@code arch_check_optimized_kprobe()}: until f1c97a1b4ef7 it asks "disabled" (KP-8). */
  @Override
  boolean archCheckOptimizedKprobe(Kprobe op) {
    for (int i = 1; i < op.optSize; i++) {
      Kprobe p = table.get(op.addr + i);
      if (p == null) continue;
      boolean blocks = k.windowCheckAsksDisarmed() ? !kprobeDisarmed(p) : !kprobeDisabled(p);
      if (blocks) return false;
    }
    return true;
  }

  /**
   * {@code __recover_optprobed_insn()} as the decoder reads the {@code len} bytes at {@code from}
   * (one instruction for {@code prepare_kprobe()}, the jump window for {@code
   * arch_prepare_optimized_kprobe()}): whether some of them are the bytes of another probe's jump
   * that it does not recover, so the copy is made from them (KP-9). For an address X it looks at
   * the probes at X..X-4: one whose jump covers X is recovered only if OPTIMIZED and not queued
   * (2023: or queued for un-optimisation); an UNOPTIMIZING probe, its jump still there, was not
   * (with the seed's flag encoding, never).
   */
  private boolean readsJumpBytes(int from, int len) {
    for (int x = from; x < from + len; x++) {
      for (int i = 0; i < 5; i++) {
        Kprobe kp = table.get(x - i);
        if (kp == null || !kp.aggr) continue;
        Code c = codeAt(kp.addr);
        boolean jumpThere = c.firstByte() == FirstByte.JMP && c.rel32() && c.op() == kp.id;
        if (!jumpThere) continue;
        boolean recovered =
            kprobeOptimized(kp)
                && (!kprobeQueued(kp)
                    || (k.recoverHandlesUnoptimizing() && kp.queue == Kprobe.OpList.UNOPTIMIZING));
        if (!recovered) return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------------- optimize / unoptimize

  /** {@code optimize_kprobe()}: 5.2-5.5 the v5.4 form, 6.1 on with optprobe_queued_unopt(). */
  @Override
  void optimizeKprobe(Kprobe p) {
    final String fn = "optimize_kprobe";
    if (!kprobeOptready(p) || !kprobesAllowOptimization || kprobeDisabled(p) || kprobesAllDisarmed)
      return;
    if (p.postHandler) return; // "kprobes with post_handler can not be optimized"
    if (!archCheckOptimizedKprobe(p)) return;
    if (!kprobeOptimized(p)) checkWindowDisarmed(p);
    if (kprobeOptimized(p)) {
      // "Check if it is already optimized."
      if (k.queuedUnoptCheck() && p.queue == Kprobe.OpList.UNOPTIMIZING)
        listDelInit(p, fn); // "This is under unoptimizing. Just dequeue the probe"
      return;
    }
    setFlag(p, KPROBE_FLAG_OPTIMIZED, true, fn);
    if (k.queuedUnoptCheck()) {
      if (kprobeQueued(p)) {
        printk("WARNING: optimize_kprobe: op->list not empty @" + p.addr);
        return;
      }
      listAdd(p, Kprobe.OpList.OPTIMIZING, fn);
      kickKprobeOptimizer(fn);
    } else if (kprobeQueued(p)) {
      listDelInit(p, fn); // "This is under unoptimizing. Just dequeue the probe"
    } else {
      listAdd(p, Kprobe.OpList.OPTIMIZING, fn);
      kickKprobeOptimizer(fn);
    }
  }

  /**
   * {@code force_unoptimize_kprobe()}: patch at once; from f66c0447cca1 clear OPTIMIZED after the
   * code is restored; until 2020 also disarm a disabled probe.
   */
  @Override
  void forceUnoptimizeKprobe(Kprobe op) {
    archUnoptimizeKprobe(op);
    if (!k.flagClearedWhenQueued())
      setFlag(op, KPROBE_FLAG_OPTIMIZED, false, "force_unoptimize_kprobe");
    if (k.forceUnoptimizeDisarms() && kprobeDisabled(op)) archDisarmKprobe(op);
  }

  /** {@code unoptimize_kprobe(p, force)} of this kernel. */
  @Override
  void unoptimizeKprobe(Kprobe p, boolean force) {
    final String fn = "unoptimize_kprobe";
    if (!kprobeAggrprobe(p) || kprobeDisarmed(p)) return; // not an optprobe nor optimized
    if (k.queuedUnoptCheck()) {
      // e4add247789e
      if (!kprobeOptimized(p)) return;
      if (kprobeQueued(p)) {
        if (p.queue == Kprobe.OpList.UNOPTIMIZING) {
          if (force) {
            // "Forcibly unoptimize the kprobe here, and queue it in the freeing list"
            forceUnoptimizeKprobe(p);
            listDelInit(p, fn);
            listAdd(p, Kprobe.OpList.FREE, fn); // list_move(&op->list, &freeing_list)
          }
        } else {
          listDelInit(p, fn); // "Dequeue from the optimizing queue"
          setFlag(p, KPROBE_FLAG_OPTIMIZED, false, fn);
        }
        return;
      }
    } else {
      // v5.4 (and, with f66c0447cca1, 5.5: the flag is no longer cleared here)
      if (!kprobeOptimized(p)) {
        // "Unoptimized or unoptimizing case"
        if (force && kprobeQueued(p)) {
          listDelInit(p, fn);
          forceUnoptimizeKprobe(p);
        }
        return;
      }
      if (k.flagClearedWhenQueued()) setFlag(p, KPROBE_FLAG_OPTIMIZED, false, fn);
      if (kprobeQueued(p)) {
        listDelInit(p, fn); // "Dequeue from the optimization queue"
        return;
      }
    }
    // "Optimized kprobe case"
    if (force) {
      forceUnoptimizeKprobe(p);
    } else {
      listAdd(p, Kprobe.OpList.UNOPTIMIZING, fn);
      kickKprobeOptimizer(fn);
    }
  }

  /** {@code reuse_unused_kprobe()}: 0, or -EINVAL if the detour is gone. */
  private int reuseUnusedKprobeModern(Kprobe ap) {
    if (!kprobeQueued(ap)) printk("WARNING: reuse_unused_kprobe: op->list empty @" + ap.addr);
    setFlag(ap, KPROBE_FLAG_DISABLED, false, "reuse_unused_kprobe"); // "Enable the probe again"
    if (!kprobeOptready(ap)) return KprobeApi.EINVAL;
    optimizeKprobe(ap);
    return 0;
  }

  /**
   * {@code kill_optimized_kprobe()}: dequeue, clear OPTIMIZED; an unused probe goes to freeing_list
   * and out of the hash table (v6.1); v6.13 moves it to freeing_list only if
   * optprobe_queued_unopt() says so, which after the dequeue it never does (KP-16).
   */
  @Override
  void killOptimizedKprobe(Kprobe op) {
    final String fn = "kill_optimized_kprobe";
    if (kprobeQueued(op)) listDelInit(op, fn); // "Dequeue from the (un)optimization queue"
    setFlag(op, KPROBE_FLAG_OPTIMIZED, false, fn);
    if (kprobeUnused(op)) {
      if (k.killAsksQueuedAfterDequeue()) {
        if (op.queue == Kprobe.OpList.UNOPTIMIZING) { // optprobe_queued_unopt(): never, here
          listDelInit(op, fn);
          listAdd(op, Kprobe.OpList.FREE, fn);
        }
      } else {
        listAdd(op, Kprobe.OpList.FREE, fn); // "Enqueue if it is unused"
        hashDel(op, fn);
      }
    }
    op.optSize = 0; // arch_remove_optimized_kprobe(): "Don't touch the code"
  }

  // ---------------------------------------------------------------------- arm / disarm

  /** {@code __disarm_kprobe(p, reopt)}: {@code unoptimize_kprobe(p, kprobes_all_disarmed)}. */
  @Override
  void disarmKprobeLocked(Kprobe p, boolean reopt) {
    unoptimizeKprobe(p, kprobesAllDisarmed);
    if (!kprobeQueued(p)) {
      archDisarmKprobe(p);
      Kprobe other = getOptimizedKprobe(p.addr); // "If another kprobe was blocked, re-optimize it."
      if (other != null && reopt) optimizeKprobe(other);
    }
  }

  /** {@code kprobe_ftrace_enabled}: probes armed through ftrace. */
  private int kprobeFtraceEnabled;

  /**
   * {@code ftrace_run_update_code()}: {@code ftrace_arch_code_modify_prepare()} (text_mutex, and in
   * v5.2/v5.4 {@code set_all_modules_text_rw()}: module_mutex), the call sites patched (not
   * modelled: no probed instruction changes), {@code ftrace_arch_code_modify_post_process()}.
   */
  private void ftraceRunUpdateCode() {
    lock(Lock.TEXT_MUTEX);
    if (k.ftraceTakesModuleMutex()) {
      lock(Lock.MODULE_MUTEX);
      unlock(Lock.MODULE_MUTEX);
    }
    unlock(Lock.TEXT_MUTEX);
  }

  /**
   * {@code arm_kprobe_ftrace()} (v5.2, read): {@code ftrace_set_filter_ip()} (under ftrace_lock; it
   * updates the code only once the ops are registered), then, for the first probe, {@code
   * register_ftrace_function()} (ftrace_lock, {@code ftrace_startup()}): {@code
   * ftrace_run_update_code()} each time. No int3: the probe fires from the ftrace trampoline.
   */
  private void armKprobeFtrace() {
    lock(Lock.FTRACE_LOCK);
    if (kprobeFtraceEnabled > 0) ftraceRunUpdateCode();
    unlock(Lock.FTRACE_LOCK);
    if (kprobeFtraceEnabled == 0) {
      lock(Lock.FTRACE_LOCK);
      ftraceRunUpdateCode();
      unlock(Lock.FTRACE_LOCK);
    }
    kprobeFtraceEnabled++;
  }

  /** {@code disarm_kprobe_ftrace()}: the last probe unregisters the ftrace ops. */
  private void disarmKprobeFtrace() {
    kprobeFtraceEnabled = Math.max(0, kprobeFtraceEnabled - 1);
    lock(Lock.FTRACE_LOCK);
    ftraceRunUpdateCode(); // unregister_ftrace_function() or the filter update
    unlock(Lock.FTRACE_LOCK);
  }

  /** {@code arm_kprobe()}: cpus_read_lock, text_mutex, {@code __arm_kprobe()}. */
  @Override
  void armKprobe(Kprobe p) {
    if (ftraceLocation(p.addr)) {
      armKprobeFtrace(); // "if (unlikely(kprobe_ftrace(kp))) return arm_kprobe_ftrace(kp);"
      return;
    }
    lock(Lock.CPU_HOTPLUG);
    lock(Lock.TEXT_MUTEX);
    armKprobeLocked(p);
    unlock(Lock.TEXT_MUTEX);
    unlock(Lock.CPU_HOTPLUG);
  }

  /** {@code disarm_kprobe()}: cpus_read_lock, text_mutex, {@code __disarm_kprobe(p, true)}. */
  @Override
  void disarmKprobe(Kprobe p) {
    if (ftraceLocation(p.addr)) {
      disarmKprobeFtrace();
      return;
    }
    lock(Lock.CPU_HOTPLUG);
    lock(Lock.TEXT_MUTEX);
    disarmKprobeLocked(p, true);
    unlock(Lock.TEXT_MUTEX);
    unlock(Lock.CPU_HOTPLUG);
  }

  // ---------------------------------------------------------------------- registration

  /** {@code try_to_optimize_kprobe()}: cpus_read_lock, jump_label_lock, text_mutex. */
  @Override
  void tryToOptimizeKprobe(Kprobe p) {
    if (ftraceLocation(p.addr)) return; // "Impossible to optimize ftrace-based kprobe"
    lock(Lock.CPU_HOTPLUG);
    lock(Lock.JUMP_LABEL_MUTEX);
    lock(Lock.TEXT_MUTEX);
    Kprobe ap = allocAggrKprobe(p);
    if (kprobeOptready(ap)) {
      // copy_kprobe(); arch_prepare_optimized_kprobe() decodes the window (KP-9)
      ap.corruptInsn = p.corruptInsn || readsJumpBytes(ap.addr, ap.optSize);
      initAggrKprobe(ap, p);
      optimizeKprobe(ap); // "This just kicks optimizer thread."
    }
    unlock(Lock.TEXT_MUTEX);
    unlock(Lock.JUMP_LABEL_MUTEX);
    unlock(Lock.CPU_HOTPLUG);
  }

  /** {@code add_new_kprobe()}: a post handler forces un-optimisation; no re-arm here. */
  @Override
  int addNewKprobe(Kprobe ap, Kprobe p) {
    if (p.postHandler) unoptimizeKprobe(ap, true); // "Fall back to normal kprobe"
    ap.list.add(0, p); // list_add_rcu
    p.parent = ap;
    if (p.postHandler) ap.postHandler = true;
    dirty(ap);
    return 0;
  }

  /**
   * {@code register_aggr_kprobe()}: under cpus_read_lock, jump_label_lock and text_mutex; an unused
   * aggregator is rescued; after the unlock, a disabled aggregator with an enabled new child is
   * armed again.
   */
  @Override
  int registerAggrKprobe(Kprobe orig, Kprobe p) {
    final String fn = "register_aggr_kprobe";
    int ret = 0;
    Kprobe ap = orig;
    lock(Lock.CPU_HOTPLUG);
    lock(Lock.JUMP_LABEL_MUTEX);
    lock(Lock.TEXT_MUTEX);
    if (!kprobeAggrprobe(orig)) {
      ap = allocAggrKprobe(orig);
      initAggrKprobe(ap, orig);
    } else if (kprobeUnused(ap)) {
      ret = reuseUnusedKprobeModern(ap); // "This probe is going to die. Rescue it"
    }
    if (ret == 0) {
      if (ap.gone()) {
        ProbeDef d = defs.get(p.id);
        ap.optSize = d != null && d.optimizable() ? d.size() : 0; // prepare_optimized_kprobe
        ap.flags = (ap.flags & ~KPROBE_FLAG_GONE) | KPROBE_FLAG_DISABLED;
        dirty(ap);
      }
      ret = addNewKprobe(ap, p);
    }
    unlock(Lock.TEXT_MUTEX);
    unlock(Lock.JUMP_LABEL_MUTEX);
    unlock(Lock.CPU_HOTPLUG);
    if (ret == 0 && kprobeDisabled(ap) && !kprobeDisabled(p)) {
      setFlag(ap, KPROBE_FLAG_DISABLED, false, fn);
      if (!kprobesAllDisarmed) armKprobe(ap); // "Arm the breakpoint again."
    }
    return ret;
  }

  /** {@code register_kprobe()} of v6.1: every step takes its own locks under kprobe_mutex. */
  @Override
  int registerKprobe(int id) {
    requireSection();
    ProbeDef d = defs.get(id);
    if (d == null) return KprobeApi.EINVAL;
    Kprobe old = probes.get(id);
    if (old != null && getValidKprobe(old) != null) return KprobeApi.EINVAL; // warn_kprobe_rereg
    Kprobe p = new Kprobe(id, d.addr(), false);
    probes.put(id, p);
    moduleLoaded(p.addr);
    Kprobe oldP = getKprobe(p.addr);
    if (oldP != null) return registerAggrKprobe(oldP, p); // "may unoptimize 'old_p'"
    // prepare_kprobe() under cpus_read_lock and text_mutex: the instruction copy
    lock(Lock.CPU_HOTPLUG);
    lock(Lock.TEXT_MUTEX);
    if (readsJumpBytes(p.addr, 1)) p.corruptInsn = true; // KP-9

    unlock(Lock.TEXT_MUTEX);
    unlock(Lock.CPU_HOTPLUG);
    hashAdd(p);
    if (!kprobesAllDisarmed && !kprobeDisabled(p)) armKprobe(p);
    tryToOptimizeKprobe(p); // "Try to optimize kprobe"
    return 0;
  }

  /** {@code __disable_kprobe()} of v6.1 ("Don't be lazy here"). */
  @Override
  Kprobe disableKprobeLocked(Kprobe p) {
    Kprobe orig = getValidKprobe(p);
    if (orig == null) return null;
    if (!kprobeDisabled(p)) {
      if (p != orig) setFlag(p, KPROBE_FLAG_DISABLED, true, "__disable_kprobe");
      if (p == orig || aggrKprobeDisabled(orig)) {
        if (!kprobesAllDisarmed && !kprobeDisabled(orig)) disarmKprobe(orig);
        setFlag(orig, KPROBE_FLAG_DISABLED, true, "__disable_kprobe");
      }
    }
    return orig;
  }

  /** {@code __unregister_kprobe_top()} of v6.1. */
  @Override
  int unregisterKprobeTop(Kprobe p) {
    Kprobe ap = disableKprobeLocked(p);
    if (ap == null) return KprobeApi.EINVAL;
    if (ap != p && !(ap.list.size() == 1 && kprobeDisarmed(ap))) {
      // "!disarmed could be happen if the probe is under delayed unoptimizing"
      ap.list.remove(p);
      p.parent = null;
      dirty(ap);
      if (!kprobeDisabled(ap) && !kprobesAllDisarmed) optimizeKprobe(ap);
      if (kprobeUnused(ap)) transition(ap, "__unregister_kprobe_top");
      return 0;
    }
    hashDel(ap, "__unregister_kprobe_top");
    return 0;
  }

  /** {@code disable_kprobe()}: {@code __disable_kprobe()}. */
  @Override
  int disableKprobe(int id) {
    requireSection();
    Kprobe p = probe(id);
    if (p == null || disableKprobeLocked(p) == null) return KprobeApi.EINVAL;
    return 0;
  }

  // ---------------------------------------------------------------------- global switches

  /** {@code optimize_all_kprobes()}: under cpus_read_lock. */
  @Override
  void optimizeAllKprobes() {
    requireSection();
    if (kprobesAllowOptimization) return;
    lock(Lock.CPU_HOTPLUG);
    kprobesAllowOptimization = true;
    for (Kprobe p : List.copyOf(table.values())) if (!kprobeDisabled(p)) optimizeKprobe(p);
    unlock(Lock.CPU_HOTPLUG);
    printk("kprobe jump-optimization is enabled. All kprobes are optimized if possible.");
  }

  /**
   * The kprobe_mutex section of {@code unoptimize_all_kprobes()}: queue every enabled probe under
   * cpus_read_lock; the wait ({@code wait_for_kprobe_optimizer()}) follows outside the mutex.
   */
  @Override
  void unoptimizeAllKprobes(boolean waitInside) {
    requireSection();
    if (!kprobesAllowOptimization) return;
    lock(Lock.CPU_HOTPLUG);
    kprobesAllowOptimization = false;
    for (Kprobe p : List.copyOf(table.values())) if (!kprobeDisabled(p)) unoptimizeKprobe(p, false);
    unlock(Lock.CPU_HOTPLUG);
  }

  /**
   * The kprobe_mutex section of {@code disarm_all_kprobes()}: every probe {@code disarm_kprobe(p,
   * false)} (its own locks; un-optimisation forced); the wait follows outside the mutex.
   */
  @Override
  boolean disarmAllKprobes() {
    requireSection();
    if (kprobesAllDisarmed) return false;
    kprobesAllDisarmed = true;
    pending.add(new CodeChange.Globals(true, disarmAllReturnedCount()));
    for (Kprobe p : List.copyOf(table.values())) {
      if (!kprobeDisabled(p)) {
        if (ftraceLocation(p.addr)) {
          disarmKprobeFtrace();
          continue;
        }
        lock(Lock.CPU_HOTPLUG);
        lock(Lock.TEXT_MUTEX);
        disarmKprobeLocked(p, false);
        unlock(Lock.TEXT_MUTEX);
        unlock(Lock.CPU_HOTPLUG);
      }
    }
    printk("Kprobes globally disabled");
    return true;
  }

  /** {@code arm_all_kprobes()}: the flag first, then {@code arm_kprobe()} of every probe. */
  @Override
  void armAllKprobes() {
    requireSection();
    if (!kprobesAllDisarmed) return;
    kprobesAllDisarmed = false; // "optimize_kprobe() ... checks kprobes_all_disarmed"
    pending.add(new CodeChange.Globals(false, disarmAllReturnedCount()));
    for (Kprobe p : List.copyOf(table.values())) if (!kprobeDisabled(p)) armKprobe(p);
    printk("Kprobes globally enabled");
  }

  // ---------------------------------------------------------------------- kprobe_optimizer()

  /**
   * The locks the optimizer holds for its whole run: kprobe_mutex, cpus_read_lock, then v5.2
   * module_mutex (text_mutex per step), v5.4-5.5 text_mutex then module_mutex, v6.1 on text_mutex.
   */
  @Override
  List<Lock> optimizerHolds() {
    if (k.moduleMutexBeforeTextMutex())
      return List.of(Lock.KPROBE_MUTEX, Lock.CPU_HOTPLUG, Lock.MODULE_MUTEX);
    if (k.optimizerTakesModuleMutex())
      return List.of(Lock.KPROBE_MUTEX, Lock.CPU_HOTPLUG, Lock.TEXT_MUTEX, Lock.MODULE_MUTEX);
    return List.of(Lock.KPROBE_MUTEX, Lock.CPU_HOTPLUG, Lock.TEXT_MUTEX);
  }

  private void stepTextMutex(boolean take) {
    if (!k.moduleMutexBeforeTextMutex()) return; // held for the whole run
    if (take) lock(Lock.TEXT_MUTEX);
    else unlock(Lock.TEXT_MUTEX);
  }

  /**
   * Step 1 {@code do_unoptimize_kprobes()}: every UNOPTIMIZING probe un-patched ({@code
   * arch_unoptimize_kprobes()}, one probe at a time) and moved to freeing_list; then the walk of
   * freeing_list: OPTIMIZED cleared (from f66c0447cca1), disarm the disabled ones (v6.13: and not
   * gone), unused ones out of the hash. v6.1 returns at once when unoptimizing_list is empty, even
   * if freeing_list is not (KP-7, fixed by 4fbd2f83fda0).
   */
  @Override
  int doUnoptimizeKprobes() {
    requireSection();
    final String fn = "do_unoptimize_kprobes";
    if (unoptimizingList.isEmpty() && !k.unoptimizeWalksFreeingList()) return 0;
    stepTextMutex(true);
    int n = 0;
    for (Kprobe op : List.copyOf(unoptimizingList)) {
      archUnoptimizeKprobe(op);
      listDelInit(op, fn);
      listAdd(op, Kprobe.OpList.FREE, fn); // list_move(&op->list, done_list)
      n++;
    }
    for (Kprobe op : List.copyOf(freeList)) {
      if (!k.flagClearedWhenQueued())
        setFlag(op, KPROBE_FLAG_OPTIMIZED, false, fn); // "Switching from detour code to origin"
      boolean disarm = kprobeDisabled(op) && (!k.unoptimizeWalksFreeingList() || !op.gone());
      if (disarm) archDisarmKprobe(op);
      if (kprobeUnused(op)) {
        hashDel(op, fn); // reclaimed by do_free_cleaned_kprobes()
      } else {
        listDelInit(op, fn);
      }
    }
    stepTextMutex(false);
    return n;
  }

  /**
   * Step 3 {@code do_optimize_kprobes()} / {@code arch_optimize_kprobes()}: every queued probe gets
   * its own {@code text_poke_bp()}; no batch limit.
   */
  @Override
  int doOptimizeKprobes() {
    requireSection();
    final String fn = "do_optimize_kprobes";
    if (kprobesAllDisarmed || !kprobesAllowOptimization || optimizingList.isEmpty()) return 0;
    stepTextMutex(true);
    int n = 0;
    for (Kprobe op : List.copyOf(optimizingList)) {
      if (kprobeDisabled(op)) printk("WARNING: optimizing a disabled probe @" + op.addr);
      archOptimizeKprobe(op);
      listDelInit(op, fn);
      n++;
    }
    stepTextMutex(false);
    return n;
  }

  /**
   * Step 4 {@code do_free_cleaned_kprobes()}: "This must not happen, but if there is a kprobe still
   * in use, keep it on kprobes hash list" (WARN); v7.0 first re-optimises the probe the freed one
   * blocked (f76d1c41b609).
   */
  @Override
  int doFreeCleanedKprobes() {
    requireSection();
    final String fn = "do_free_cleaned_kprobes";
    int n = 0;
    for (Kprobe op : List.copyOf(freeList)) {
      listDelInit(op, fn);
      if (!kprobeUnused(op)) {
        printk("WARNING: do_free_cleaned_kprobes: " + op + " is still used; kept");
        fx.add(new Effects.Count("optimizerFreeWarnings", 1));
        continue;
      }
      if (k.reoptimizeOnFree()) {
        Kprobe other = getOptimizedKprobe(op.addr);
        if (other != null) optimizeKprobe(other);
      }
      freeAggrKprobe(op, fn);
      n++;
    }
    return n;
  }

  /** Step 5: kick again if a list is not empty; no {@code complete_all()} in these kernels. */
  @Override
  boolean optimizerStep5() {
    requireSection();
    boolean again = !optimizingList.isEmpty() || !unoptimizingList.isEmpty();
    if (again) kickKprobeOptimizer("kprobe_optimizer(step 5)");
    return again;
  }

  /**
   * K3 without the seed's rule that the free list is empty outside a run (freeing_list is global).
   */
  @Override
  boolean freeListEmptyOutsideRuns() {
    return false;
  }

  @Override
  void textPokeSmp(String function, List<CodeChange> patches) {
    throw new IllegalStateException(k.label() + " does not patch with stop_machine");
  }
}
