package org.kernsim.actors.kprobes;

import static org.kernsim.actors.kprobes.Kprobe.KPROBE_FLAG_DISABLED;
import static org.kernsim.actors.kprobes.Kprobe.KPROBE_FLAG_GONE;
import static org.kernsim.actors.kprobes.Kprobe.KPROBE_FLAG_OPTIMIZED;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.kernsim.actors.textpoke.TextPokeBp;
import org.kernsim.protocol.kprobes.CodeChange;
import org.kernsim.protocol.kprobes.CodeChange.FirstByte;
import org.kernsim.protocol.kprobes.KprobeApi;
import org.kernsim.protocol.kprobes.KprobeNote;
import org.kernsim.protocol.kprobes.OptimizerMessage.OptimizerStep;
import org.kernsim.protocol.textpoke.TextPokeMessage;

/**
 * {@code kernel/kprobes.c} and the x86 optprobe glue, as plain logic over the state that
 * kprobe_mutex protects: the probe hash table, aggregators and their flags, {@code
 * optimizing_list}, {@code unoptimizing_list} and the optimizer's free list.
 *
 * <p>This class is the seed's kernel, v2.6.38 ({@link Kernel#V2_6_38}): 6274de4984a6 "kprobes:
 * Support delayed unoptimizing" with the batching follow-ups (cd7ebe2298ff): {@code
 * unoptimize_kprobe(p, force)} queues the probe on {@code unoptimizing_list}, clears OPTIMIZED at
 * once, and the optimizer patches the queue in batches of {@code MAX_OPTIMIZE_PROBES} under one
 * stop_machine; an unregistered probe whose jump is still installed stays as an "unused" aggregator
 * that only the optimizer frees. The kernels before it are {@link PreSeedKprobes} (v2.6.36,
 * v2.6.37), which overrides the functions that differ; {@link #create} picks the class of the
 * configured kernel.
 *
 * <p>Every function runs with kprobe_mutex held by the caller (the {@code KprobeManager} calls it
 * inside a section), except {@link #unregisterKprobesBottom}, as in the kernel. What other CPUs see
 * (code writes, RCU publication, stop_machine, kicks, notes) is appended to an {@link Effects} in
 * program order. No engine, no Pekko: the same object is unit-tested on its own.
 */
class KprobeCore {

  /**
   * The kernel and, on v2.6.38 only, the labelled ablations of that kernel (scenario settings).
   *
   * @param kernel the kernel whose code runs
   * @param batchPatching v2.6.38: text_poke_smp_batch of up to {@code maxOptimizeProbes} probes per
   *     optimizer run (cd7ebe2298ff and its unoptimizing twin); false (ablation: the seed commit
   *     without its follow-ups): one text_poke_smp (stop_machine) per probe, every queued probe in
   *     one run
   * @param reuseUnused backport of {@code reuse_unused_kprobe()} (2011) onto v2.6.38 (ablation)
   * @param disarmAllForce backport of the forced un-optimisation of {@code disarm_all_kprobes()}
   *     (later kernels) onto v2.6.38 (ablation)
   * @param reoptimizeOnFree backport of f76d1c41b609 (2026) onto v2.6.38 (ablation)
   * @param noGracePeriod ablation: the optimizer skips its grace period (KP-19)
   */
  record Config(
      Kernel kernel,
      boolean batchPatching,
      int maxOptimizeProbes,
      boolean reuseUnused,
      boolean disarmAllForce,
      boolean reoptimizeOnFree,
      boolean noGracePeriod,
      int maxOptimizedLength) {

    /** The kernel as released, no ablation. */
    static Config of(Kernel k) {
      return new Config(k, true, 256, false, false, false, false, 20);
    }

    static Config seed() {
      return of(Kernel.V2_6_38);
    }

    /** 6274de4984a6: un-optimisation is delayed and batched by the optimizer. */
    boolean delayed() {
      return kernel.delayedUnoptimizing();
    }

    Config withBatchPatching(boolean b) {
      return new Config(
          kernel,
          b,
          maxOptimizeProbes,
          reuseUnused,
          disarmAllForce,
          reoptimizeOnFree,
          noGracePeriod,
          maxOptimizedLength);
    }

    Config withReuseUnused(boolean r) {
      return new Config(
          kernel,
          batchPatching,
          maxOptimizeProbes,
          r,
          disarmAllForce,
          reoptimizeOnFree,
          noGracePeriod,
          maxOptimizedLength);
    }

    Config withDisarmAllForce(boolean f) {
      return new Config(
          kernel,
          batchPatching,
          maxOptimizeProbes,
          reuseUnused,
          f,
          reoptimizeOnFree,
          noGracePeriod,
          maxOptimizedLength);
    }

    Config withReoptimizeOnFree(boolean r) {
      return new Config(
          kernel,
          batchPatching,
          maxOptimizeProbes,
          reuseUnused,
          disarmAllForce,
          r,
          noGracePeriod,
          maxOptimizedLength);
    }

    Config withNoGracePeriod(boolean n) {
      return new Config(
          kernel,
          batchPatching,
          maxOptimizeProbes,
          reuseUnused,
          disarmAllForce,
          reoptimizeOnFree,
          n,
          maxOptimizedLength);
    }
  }

  /**
   * The locks of spec A.9 K1, in their documented order (seed: module_mutex first), and {@code
   * jump_label_mutex}, which K1 leaves out (its place in the order moved between kernels); the
   * lock-order checker sees them all.
   */
  enum Lock {
    MODULE_MUTEX("module_mutex"),
    KPROBE_MUTEX("kprobe_mutex"),
    JUMP_LABEL_MUTEX("jump_label_mutex"),
    CPU_HOTPLUG("cpu_hotplug_lock"),
    TEXT_MUTEX("text_mutex"),
    FTRACE_LOCK("ftrace_lock");

    /** The lock class's name, as lockdep prints it. */
    final String lockdepName;

    Lock(String lockdepName) {
      this.lockdepName = lockdepName;
    }
  }

  /** What the core believes is written at an address (its own writes, in program order). */
  record Code(FirstByte firstByte, boolean rel32, int op) {
    static final Code ORIG = new Code(FirstByte.ORIG, false, -1);
  }

  final Config cfg;
  final Map<Integer, ProbeDef> defs = new HashMap<>();

  /** The caller's probe objects, by id: the current registration (or the last one). */
  final Map<Integer, Kprobe> probes = new HashMap<>();

  /** {@code kprobe_table}: address -> the hashed probe (an aggregator, or a plain probe). */
  final TreeMap<Integer, Kprobe> table = new TreeMap<>();

  /** {@code optimizing_list}, head first ({@code list_add} adds at the head). */
  final ArrayDeque<Kprobe> optimizingList = new ArrayDeque<>();

  final ArrayDeque<Kprobe> unoptimizingList = new ArrayDeque<>();

  /** The local {@code free_list} of the optimizer run in progress. */
  final ArrayDeque<Kprobe> freeList = new ArrayDeque<>();

  boolean kprobesAllDisarmed;
  boolean kprobesAllowOptimization = true;
  private int disarmAllReturned;
  private int nextAggrId;
  final TreeMap<Integer, Code> code = new TreeMap<>();

  // the section in progress
  Effects fx;
  final List<Lock> held = new ArrayList<>();
  List<CodeChange> pending = new ArrayList<>();
  private final LinkedHashSet<Kprobe> dirty = new LinkedHashSet<>();
  private final List<Kprobe> unreachable = new ArrayList<>();
  private boolean mutexHeld;

  KprobeCore(Config cfg, List<ProbeDef> probeDefs) {
    this.cfg = cfg;
    for (ProbeDef d : probeDefs) defs.put(d.id(), d);
    this.nextAggrId = 1_000_000;
  }

  /** The core of {@code cfg}'s kernel. */
  static KprobeCore create(Config cfg, List<ProbeDef> probeDefs) {
    if (cfg.kernel().modern()) return new ModernKprobes(cfg, probeDefs);
    if (!cfg.kernel().delayedUnoptimizing()) return new PreSeedKprobes(cfg, probeDefs);
    return new KprobeCore(cfg, probeDefs);
  }

  // ====================================================================== sections

  /** The manager enters a section: {@code holds} are the locks its owner already holds. */
  void beginSection(Effects effects, List<Lock> holds) {
    if (fx != null) throw new IllegalStateException("section already in progress");
    fx = effects;
    held.clear();
    held.addAll(holds);
    baseHolds = List.copyOf(holds);
    mutexHeld = holds.contains(Lock.KPROBE_MUTEX);
  }

  /** Ends the section: publishes what is still pending. */
  void endSection() {
    requireSection();
    flush();
    if (!held.equals(baseHolds))
      throw new IllegalStateException(
          "section ended holding " + held + ", entered with " + baseHolds);
    fx = null;
    held.clear();
    mutexHeld = false;
  }

  private List<Lock> baseHolds = List.of();

  void requireSection() {
    if (fx == null) throw new IllegalStateException("no section in progress");
  }

  // ====================================================================== predicates

  static boolean kprobeAggrprobe(Kprobe p) {
    return p.aggr;
  }

  static boolean kprobeDisabled(Kprobe p) {
    return p.disabled();
  }

  static boolean kprobeOptimized(Kprobe p) {
    return p.optimized();
  }

  static boolean kprobeOptready(Kprobe p) {
    return p.aggr && p.optSize > 0;
  }

  /** Seed: an aggregator that is disabled and has no child any more ("busy to die"). */
  static boolean kprobeUnused(Kprobe p) {
    return p.aggr && p.disabled() && p.list.isEmpty();
  }

  /** Seed: non-aggr: disabled; aggr: disabled and not queued (its jump, if any, is gone). */
  static boolean kprobeDisarmed(Kprobe p) {
    if (!p.aggr) return p.disabled();
    return p.disabled() && p.queue == Kprobe.OpList.NONE;
  }

  static boolean kprobeQueued(Kprobe p) {
    return p.aggr && p.queue != Kprobe.OpList.NONE;
  }

  Kprobe getKprobe(int addr) {
    return table.get(addr);
  }

  /**
   * The aggregator whose jump window [addr', addr'+size) covers {@code addr} (excluding addr' ==
   * addr).
   */
  Kprobe getOptimizedKprobe(int addr) {
    Kprobe p = null;
    for (int i = 1; p == null && i < cfg.maxOptimizedLength(); i++) p = table.get(addr - i);
    if (p != null && kprobeOptready(p) && addr < p.addr + p.optSize) return p;
    return null;
  }

  /** {@code arch_check_optimized_kprobe}: no enabled probe inside bytes 1..size-1 of the window. */
  boolean archCheckOptimizedKprobe(Kprobe op) {
    for (int i = 1; i < op.optSize; i++) {
      Kprobe p = table.get(op.addr + i);
      if (p != null && !kprobeDisabled(p)) return false;
    }
    return true;
  }

  /**
   * {@code __get_valid_kprobe}: the hashed probe {@code p} belongs to, or null if p is not
   * registered.
   */
  Kprobe getValidKprobe(Kprobe p) {
    Kprobe ap = table.get(p.addr);
    if (ap == null) return null;
    if (p != ap && !ap.list.contains(p)) return null;
    return ap;
  }

  // ====================================================================== code and publication

  Code codeAt(int addr) {
    return code.getOrDefault(addr, Code.ORIG);
  }

  /**
   * {@code arch_arm_kprobe(p)}: {@code text_poke()} of the int3 (v5.5 on, then {@code
   * text_poke_sync()}): a store of its own, visible to the other CPUs as it is made, while the
   * section's later stores (the flags {@code optimize_kprobe()} sets) come after it (KP-15's
   * window).
   */
  void archArmKprobe(Kprobe p) {
    Code c = codeAt(p.addr);
    code.put(p.addr, new Code(FirstByte.INT3, c.rel32(), c.op()));
    textPoke("arch_arm_kprobe", pokeOps(new CodeChange.TextPoke(p.addr, FirstByte.INT3)));
  }

  /** {@code arch_disarm_kprobe(p)}: {@code text_poke()} of the original first byte. */
  void archDisarmKprobe(Kprobe p) {
    Code c = codeAt(p.addr);
    code.put(p.addr, new Code(FirstByte.ORIG, c.rel32(), c.op()));
    textPoke("arch_disarm_kprobe", pokeOps(new CodeChange.TextPoke(p.addr, FirstByte.ORIG)));
  }

  /**
   * The ops of one first-byte {@code text_poke()} in this kernel's {@code arch_[dis]arm_kprobe}.
   */
  List<TextPokeMessage.Op> pokeOps(CodeChange store) {
    return TextPokeBp.textPoke(store);
  }

  /**
   * A sequence of {@code text_poke()} stores (and syncs): what the section changed before is
   * published first, then each store on its own; the section goes on when the sequence returned.
   */
  void textPoke(String why, List<TextPokeMessage.Op> ops) {
    flush();
    fx.add(new Effects.TextPoke(why, List.copyOf(ops)));
  }

  /**
   * {@code text_poke_smp(_batch)} ({@code arch/x86/kernel/alternative.c}): "Must be called under
   * get_online_cpus() and text_mutex". v2.6.37 on, it calls {@code __stop_machine()}, which takes
   * nothing (K11 fires if the caller lacks a lock); v2.6.36 calls {@code stop_machine()}, which
   * takes {@code get_online_cpus()} itself, even when the caller holds it (a nested read).
   */
  void textPokeSmp(String function, List<CodeChange> patches) {
    boolean own = cfg.kernel().stopMachineTakesHotplugLock();
    if (own) lock(Lock.CPU_HOTPLUG);
    if (!held.contains(Lock.TEXT_MUTEX) || !held.contains(Lock.CPU_HOTPLUG)) {
      violation(
          "K11_PatchUnderHotplugAndTextMutex",
          function + " patches " + patches.size() + " probes holding " + held);
    }
    for (CodeChange c : patches) {
      if (c instanceof CodeChange.JumpWrite w)
        code.put(w.addr(), new Code(FirstByte.JMP, true, w.op()));
      else if (c instanceof CodeChange.JumpRestore r)
        code.put(r.addr(), new Code(FirstByte.INT3, false, -1));
    }
    flush();
    fx.add(new Effects.StopMachine(function, List.copyOf(patches)));
    if (own) unlock(Lock.CPU_HOTPLUG);
  }

  /** Publishes what the section changed since the last publication. */
  void flush() {
    for (Kprobe p : dirty) {
      if (p.freed) continue;
      if (!p.aggr && p.parent != null && !p.hashed)
        continue; // a child: published with its aggregator
      List<Integer> ids = new ArrayList<>(p.list.size());
      List<Integer> flags = new ArrayList<>(p.list.size());
      for (Kprobe c : p.list) {
        ids.add(c.id);
        flags.add(c.flags);
      }
      pending.add(
          new CodeChange.ProbeState(p.id, p.addr, p.aggr, p.flags, ids, flags, p.corruptInsn));
    }
    dirty.clear();
    if (!pending.isEmpty()) {
      fx.add(new Effects.Publish(List.copyOf(pending)));
      pending = new ArrayList<>();
    }
    for (Kprobe op : unreachable)
      fx.add(new Effects.Note(new KprobeNote.OpUnreachable(op.id, op.addr)));
    unreachable.clear();
  }

  void dirty(Kprobe p) {
    dirty.add(p);
    if (p.parent != null) dirty.add(p.parent);
  }

  void hashAdd(Kprobe p) {
    table.put(p.addr, p);
    p.hashed = true;
    pending.add(new CodeChange.Hashed(p.addr, p.id));
    dirty(p);
  }

  void hashDel(Kprobe p, String function) {
    requireMutex(function + ": hlist_del_rcu");
    if (table.get(p.addr) != p) throw new IllegalStateException(p + " is not hashed");
    table.remove(p.addr);
    p.hashed = false;
    pending.add(new CodeChange.Unhashed(p.addr));
    if (p.aggr) unreachable.add(p);
  }

  // ====================================================================== locks, K1/K2

  /**
   * Takes lock {@code l} for the section's task. K1 (spec A.9): the hotplug lock is never taken
   * inside text_mutex (the comment in {@code do_optimize_kprobes()}: CPU hotplug takes text_mutex
   * while stop_machine needs the online CPUs fixed), unless it is already held; the full order of
   * every lock, in every kernel, is the lock-order checker's (Lockdep).
   */
  void lock(Lock l) {
    boolean recursive = l == Lock.CPU_HOTPLUG && held.contains(Lock.CPU_HOTPLUG);
    if (!recursive && l == Lock.CPU_HOTPLUG && held.contains(Lock.TEXT_MUTEX)) {
      violation(
          "K1_LockOrder",
          "acquires CPU_HOTPLUG while holding TEXT_MUTEX (order: cpu_hotplug -> text_mutex)");
    }
    held.add(l);
    fx.add(new Effects.LockAcquire(l));
  }

  void unlock(Lock l) {
    int i = held.lastIndexOf(l);
    if (i < 0) throw new IllegalStateException("unlock of " + l + " not held: " + held);
    held.remove(i);
    fx.add(new Effects.LockRelease(l));
  }

  void requireMutex(String what) {
    if (!mutexHeld) violation("K2_UpdatesUnderKprobeMutex", what + " without kprobe_mutex");
  }

  void violation(String checker, String message) {
    fx.add(new Effects.Violation(checker, message));
  }

  void note(Object n) {
    fx.add(new Effects.Note(n));
  }

  void printk(String line) {
    note(new KprobeNote.Printk(line));
  }

  // ====================================================================== flags and lists

  void setFlag(Kprobe p, int flag, boolean on, String function) {
    requireMutex(function + ": flags of " + p);
    int before = p.flags;
    p.flags = on ? p.flags | flag : p.flags & ~flag;
    if (p.flags != before) {
      dirty(p);
      transition(p, function);
    }
  }

  void listAdd(Kprobe op, Kprobe.OpList which, String function) {
    requireMutex(function + ": list_add");
    if (op.queue != Kprobe.OpList.NONE) {
      violation("K3_OneListAtMost", op + " added to " + which + " while on " + op.queue);
      listDelInit(op, function);
    }
    op.queue = which;
    switch (which) {
      case OPTIMIZING -> optimizingList.addFirst(op);
      case UNOPTIMIZING -> unoptimizingList.addFirst(op);
      case FREE -> freeList.addFirst(op);
      default -> throw new IllegalStateException("list_add to " + which);
    }
    transition(op, function);
  }

  void listDelInit(Kprobe op, String function) {
    requireMutex(function + ": list_del_init");
    boolean removed =
        switch (op.queue) {
          case OPTIMIZING -> optimizingList.remove(op);
          case UNOPTIMIZING -> unoptimizingList.remove(op);
          case FREE -> freeList.remove(op);
          case NONE -> true;
        };
    if (!removed) violation("K3_OneListAtMost", op + " claims " + op.queue + " but is not on it");
    op.queue = Kprobe.OpList.NONE;
    transition(op, function);
  }

  void transition(Kprobe p, String function) {
    if (!p.aggr) return;
    Kprobe.State s = p.state();
    Kprobe.State before = p.reported == null ? Kprobe.State.UNOPTIMIZED : p.reported;
    if (s != before)
      note(new KprobeNote.Transition(p.id, p.addr, before.name(), s.name(), function));
    p.reported = s;
  }

  void kickKprobeOptimizer(String function) {
    fx.add(new Effects.Kick(function));
  }

  // ====================================================================== optimize / unoptimize

  /** {@code optimize_kprobe(p)}: queue {@code p} for optimisation if it may be optimised. */
  void optimizeKprobe(Kprobe p) {
    final String fn = "optimize_kprobe";
    if (!kprobeOptready(p) || !kprobesAllowOptimization || kprobeDisabled(p) || kprobesAllDisarmed)
      return;
    if (p.postHandler) return;
    if (!archCheckOptimizedKprobe(p)) return;
    if (kprobeOptimized(p)) return;
    setFlag(p, KPROBE_FLAG_OPTIMIZED, true, fn);
    if (kprobeQueued(p)) {
      // seed: under delayed unoptimizing; just dequeue (cancel)
      listDelInit(p, fn);
    } else {
      listAdd(p, Kprobe.OpList.OPTIMIZING, fn);
      kickKprobeOptimizer(fn);
    }
  }

  /** Seed {@code force_unoptimize_kprobe(op)}: patch at once; disarm too if disabled. */
  void forceUnoptimizeKprobe(Kprobe op) {
    lock(Lock.CPU_HOTPLUG); // get_online_cpus()
    textPokeSmp("force_unoptimize_kprobe", List.of(new CodeChange.JumpRestore(op.addr, op.id)));
    unlock(Lock.CPU_HOTPLUG);
    if (kprobeDisabled(op)) archDisarmKprobe(op);
  }

  /** {@code unoptimize_kprobe(p, force)} (v2.6.38). */
  void unoptimizeKprobe(Kprobe p, boolean force) {
    final String fn = "unoptimize_kprobe";
    if (!kprobeAggrprobe(p) || kprobeDisarmed(p)) return; // not an optprobe, or not optimized
    if (!kprobeOptimized(p)) {
      // unoptimized or unoptimizing
      if (force && kprobeQueued(p)) {
        listDelInit(p, fn);
        forceUnoptimizeKprobe(p);
      }
      return;
    }
    setFlag(p, KPROBE_FLAG_OPTIMIZED, false, fn);
    if (kprobeQueued(p)) {
      listDelInit(p, fn); // dequeue from the optimization queue
      return;
    }
    if (force) {
      forceUnoptimizeKprobe(p);
    } else {
      listAdd(p, Kprobe.OpList.UNOPTIMIZING, fn);
      kickKprobeOptimizer(fn);
    }
  }

  /** {@code __arm_kprobe(p)}: must be called with text_mutex held. */
  void armKprobeLocked(Kprobe p) {
    Kprobe other = getOptimizedKprobe(p.addr);
    if (other != null) unoptimizeKprobe(other, true); // fall back to unoptimized kprobe
    archArmKprobe(p);
    optimizeKprobe(p);
  }

  /** {@code __disarm_kprobe(p, reopt)}: must be called with text_mutex held. */
  void disarmKprobeLocked(Kprobe p, boolean reopt) {
    boolean force = cfg.disarmAllForce() && kprobesAllDisarmed;
    unoptimizeKprobe(p, force);
    if (!kprobeQueued(p)) {
      archDisarmKprobe(p);
      Kprobe other = getOptimizedKprobe(p.addr);
      if (other != null && reopt) optimizeKprobe(other);
    }
    // the seed's own comment here: "TODO: reoptimize others after unoptimized this probe" (KP-13)
  }

  void armKprobe(Kprobe p) {
    lock(Lock.TEXT_MUTEX);
    armKprobeLocked(p);
    unlock(Lock.TEXT_MUTEX);
  }

  /** {@code disarm_kprobe(p)} (v2.6.38): text_mutex only ("doesn't use stop_machine()"). */
  void disarmKprobe(Kprobe p) {
    lock(Lock.TEXT_MUTEX);
    disarmKprobeLocked(p, true);
    unlock(Lock.TEXT_MUTEX);
  }

  // ====================================================================== aggregators

  Kprobe allocAggrKprobe(Kprobe p) {
    Kprobe ap = new Kprobe(nextAggrId++, p.addr, true);
    ProbeDef d = defs.get(p.id);
    ap.optSize = d != null && d.optimizable() ? d.size() : 0; // arch_prepare_optimized_kprobe
    return ap;
  }

  void initAggrKprobe(Kprobe ap, Kprobe p) {
    ap.flags = p.flags & ~KPROBE_FLAG_OPTIMIZED;
    ap.postHandler = p.postHandler && !p.gone();
    ap.list.add(p);
    p.parent = ap;
    // hlist_replace_rcu
    table.put(ap.addr, ap);
    ap.hashed = true;
    p.hashed = false;
    pending.add(new CodeChange.Hashed(ap.addr, ap.id));
    dirty(ap);
    ap.reported = ap.state();
  }

  void tryToOptimizeKprobe(Kprobe p) {
    Kprobe ap = allocAggrKprobe(p);
    if (!kprobeOptready(ap))
      return; // fall back to a plain kprobe (the aggregator is freed, never published)
    initAggrKprobe(ap, p);
    optimizeKprobe(ap);
  }

  void freeAggrKprobe(Kprobe op, String function) {
    op.freed = true;
    pending.add(new CodeChange.OpFreed(op.id));
    note(new KprobeNote.AggrFreed(op.id, op.addr, function));
    transition(op, function);
  }

  int addNewKprobe(Kprobe ap, Kprobe p) {
    if (p.postHandler) unoptimizeKprobe(ap, true); // fall back to normal kprobe
    ap.list.add(0, p); // list_add_rcu
    p.parent = ap;
    if (p.postHandler) ap.postHandler = true;
    dirty(ap);
    if (kprobeDisabled(ap) && !kprobeDisabled(p)) {
      setFlag(ap, KPROBE_FLAG_DISABLED, false, "add_new_kprobe");
      if (!kprobesAllDisarmed) armKprobeLocked(ap); // arm the breakpoint again
    }
    return 0;
  }

  /** Seed+1 ({@code reuse_unused_kprobe}): rescue a busy-to-die aggregator instead of -EBUSY. */
  void reuseUnusedKprobe(Kprobe ap) {
    if (!kprobeUnused(ap)) throw new IllegalStateException("reuse of a used " + ap);
    if (ap.queue == Kprobe.OpList.NONE)
      printk("Warning: found a stray unused aggrprobe@" + ap.addr);
    setFlag(ap, KPROBE_FLAG_DISABLED, false, "reuse_unused_kprobe");
    optimizeKprobe(ap);
  }

  int registerAggrKprobe(Kprobe orig, Kprobe p) {
    Kprobe ap = orig;
    if (!kprobeAggrprobe(orig)) {
      ap = allocAggrKprobe(orig);
      initAggrKprobe(ap, orig);
    } else if (kprobeUnused(ap)) {
      if (!cfg.reuseUnused()) return KprobeApi.EBUSY; // busy to die
      reuseUnusedKprobe(ap);
    }
    if (ap.gone()) {
      // the module was reloaded: prepare again, not armed yet
      ProbeDef d = defs.get(p.id);
      ap.optSize = d != null && d.optimizable() ? d.size() : 0;
      ap.flags = (ap.flags & ~KPROBE_FLAG_GONE) | KPROBE_FLAG_DISABLED;
      dirty(ap);
    }
    return addNewKprobe(ap, p);
  }

  // ====================================================================== API

  /** {@code register_kprobe(p)} for the caller's probe {@code id}; returns 0 or -errno. */
  int registerKprobe(int id) {
    requireSection();
    ProbeDef d = defs.get(id);
    if (d == null) return KprobeApi.EINVAL;
    Kprobe old = probes.get(id);
    if (old != null && getValidKprobe(old) != null) return KprobeApi.EINVAL; // check_kprobe_rereg
    Kprobe p = new Kprobe(id, d.addr(), false);
    probes.put(id, p);
    moduleLoaded(p.addr);
    boolean jumpLabel = cfg.kernel().registerTakesJumpLabelLock();
    if (jumpLabel) lock(Lock.JUMP_LABEL_MUTEX); // "needed to call jump_label_text_reserved()"
    lock(Lock.CPU_HOTPLUG); // "For avoiding text_mutex deadlock."
    lock(Lock.TEXT_MUTEX);
    int ret;
    Kprobe oldP = getKprobe(p.addr);
    if (oldP != null) {
      ret = registerAggrKprobe(oldP, p);
    } else {
      hashAdd(p);
      if (!kprobesAllDisarmed && !kprobeDisabled(p)) armKprobeLocked(p);
      tryToOptimizeKprobe(p);
      ret = 0;
    }
    unlock(Lock.TEXT_MUTEX);
    unlock(Lock.CPU_HOTPLUG);
    if (jumpLabel) unlock(Lock.JUMP_LABEL_MUTEX);
    return ret;
  }

  static boolean aggrKprobeDisabled(Kprobe ap) {
    for (Kprobe kp : ap.list) if (!kprobeDisabled(kp)) return false;
    return true;
  }

  /** {@code __disable_kprobe(p)}: returns the hashed probe, or null if p is not registered. */
  Kprobe disableKprobeLocked(Kprobe p) {
    Kprobe orig = getValidKprobe(p);
    if (orig == null) return null;
    if (!kprobeDisabled(p)) {
      if (p != orig) setFlag(p, KPROBE_FLAG_DISABLED, true, "__disable_kprobe");
      if (p == orig || aggrKprobeDisabled(orig)) {
        disarmKprobe(orig);
        setFlag(orig, KPROBE_FLAG_DISABLED, true, "__disable_kprobe");
      }
    }
    return orig;
  }

  /** {@code __unregister_kprobe_top(p)}: 0 or -EINVAL. */
  int unregisterKprobeTop(Kprobe p) {
    Kprobe ap = disableKprobeLocked(p);
    if (ap == null) return KprobeApi.EINVAL;
    if (ap != p) {
      boolean lastChild = ap.list.size() == 1;
      if (lastChild && kprobeDisarmed(ap)) {
        // fall through to "disarmed": the bottom half frees ap
      } else {
        // remove from the aggrprobe: the bottom half does nothing for p
        ap.list.remove(p);
        p.parent = null;
        dirty(ap);
        if (!kprobeDisabled(ap) && !kprobesAllDisarmed) optimizeKprobe(ap);
        if (kprobeUnused(ap)) transition(ap, "__unregister_kprobe_top");
        return 0;
      }
    }
    if (!kprobeDisarmed(ap))
      violation("KernelBug", "BUG_ON(!kprobe_disarmed(ap)) in __unregister_kprobe_top: " + ap);
    hashDel(ap, "__unregister_kprobe_top");
    return 0;
  }

  /**
   * The top halves of {@code unregister_kprobes()}; returns the probes whose bottom half must run.
   */
  List<Kprobe> unregisterKprobesTop(List<Integer> ids) {
    requireSection();
    List<Kprobe> ok = new ArrayList<>();
    for (int id : ids) {
      Kprobe p = probes.get(id);
      if (p != null && unregisterKprobeTop(p) == 0) ok.add(p);
    }
    return ok;
  }

  /** The bottom halves (after synchronize_sched, without kprobe_mutex). */
  void unregisterKprobesBottom(List<Kprobe> ps) {
    requireSection();
    for (Kprobe p : ps) {
      Kprobe ap = p.parent;
      if (ap == null) continue; // an independent kprobe (arch_remove_kprobe), or nothing to do
      if (ap.list.size() == 1 && ap.list.get(0) == p) {
        ap.list.clear();
        p.parent = null;
        freeAggrKprobe(ap, "__unregister_kprobe_bottom");
      }
    }
  }

  int disableKprobe(int id) {
    requireSection();
    Kprobe p = probes.get(id);
    if (p == null || disableKprobeLocked(p) == null) return KprobeApi.EINVAL;
    return 0;
  }

  int enableKprobe(int id) {
    requireSection();
    Kprobe kp = probes.get(id);
    Kprobe p = kp == null ? null : getValidKprobe(kp);
    if (p == null) return KprobeApi.EINVAL;
    if (kp.gone()) return KprobeApi.EINVAL;
    if (p != kp) setFlag(kp, KPROBE_FLAG_DISABLED, false, "enable_kprobe");
    if (!kprobesAllDisarmed && kprobeDisabled(p)) {
      setFlag(p, KPROBE_FLAG_DISABLED, false, "enable_kprobe");
      armKprobe(p);
    }
    return 0;
  }

  /**
   * The module holding {@code id}'s code goes away: {@code kill_kprobe()} on the probe hashed
   * there.
   */
  int killKprobe(int id) {
    requireSection();
    ProbeDef d = defs.get(id);
    Kprobe p = d == null ? null : getKprobe(d.addr());
    if (p == null) return KprobeApi.EINVAL;
    setFlag(p, KPROBE_FLAG_GONE, true, "kill_kprobe");
    if (kprobeAggrprobe(p)) {
      for (Kprobe kp : p.list) setFlag(kp, KPROBE_FLAG_GONE, true, "kill_kprobe");
      p.postHandler = false;
      killOptimizedKprobe(p);
    }
    pending.add(new CodeChange.Gone(p.addr));
    goneText.add(p.addr);
    return 0;
  }

  /** Addresses whose module went away ({@code kill}); registering there loads it again. */
  final java.util.Set<Integer> goneText = new java.util.TreeSet<>();

  /**
   * A registration at an address whose module went away: the module was loaded again, its text
   * there is the original instruction (the scenario's way of saying "insmod").
   */
  void moduleLoaded(int addr) {
    if (!goneText.remove(addr)) return;
    code.put(addr, Code.ORIG);
    pending.add(new CodeChange.Loaded(addr));
  }

  /**
   * {@code kill_optimized_kprobe(p)}: dequeue, clear OPTIMIZED, drop the detour; the code is not
   * touched.
   */
  void killOptimizedKprobe(Kprobe op) {
    final String fn = "kill_optimized_kprobe";
    op.optSize = 0; // arch_remove_optimized_kprobe: the detour buffer is released
    if (kprobeQueued(op)) listDelInit(op, fn);
    setFlag(op, KPROBE_FLAG_OPTIMIZED, false, fn);
  }

  /** sysctl debug.kprobes-optimization = 1. */
  void optimizeAllKprobes() {
    requireSection();
    if (kprobesAllowOptimization) return;
    kprobesAllowOptimization = true;
    for (Kprobe p : List.copyOf(table.values())) if (!kprobeDisabled(p)) optimizeKprobe(p);
    printk("Kprobes globally optimized");
  }

  /**
   * sysctl debug.kprobes-optimization = 0 (v2.6.38): {@code unoptimize_kprobe(p, false)} on every
   * enabled probe, then (with {@code waitInside}) the completion-based wait while still holding
   * kprobe_mutex.
   */
  void unoptimizeAllKprobes(boolean waitInside) {
    requireSection();
    if (!kprobesAllowOptimization) return;
    kprobesAllowOptimization = false;
    for (Kprobe p : List.copyOf(table.values())) if (!kprobeDisabled(p)) unoptimizeKprobe(p, false);
    if (waitInside) {
      flush();
      fx.add(new Effects.WaitForOptimizer());
      printk("Kprobes globally unoptimized");
    }
  }

  /** debugfs kprobes/enabled = 0, the kprobe_mutex section; returns false if already disarmed. */
  boolean disarmAllKprobes() {
    requireSection();
    if (kprobesAllDisarmed) return false;
    kprobesAllDisarmed = true;
    pending.add(new CodeChange.Globals(true, disarmAllReturned));
    printk("Kprobes globally disabled");
    // once un-optimisation is forced (later kernels), the hotplug lock comes first
    boolean hotplug = cfg.disarmAllForce();
    if (hotplug) lock(Lock.CPU_HOTPLUG);
    lock(Lock.TEXT_MUTEX);
    for (Kprobe p : List.copyOf(table.values())) {
      if (!kprobeDisabled(p)) disarmKprobeLocked(p, false);
    }
    unlock(Lock.TEXT_MUTEX);
    if (hotplug) unlock(Lock.CPU_HOTPLUG);
    return true;
  }

  int disarmAllReturnedCount() {
    return disarmAllReturned;
  }

  /** The caller of disarm_all_kprobes() got control back (published for the KP-3 check). */
  void disarmAllReturned() {
    requireSection();
    disarmAllReturned++;
    pending.add(new CodeChange.Globals(kprobesAllDisarmed, disarmAllReturned));
  }

  /** debugfs kprobes/enabled = 1. */
  void armAllKprobes() {
    requireSection();
    if (!kprobesAllDisarmed) return;
    // for NoProbeFiresAfterDisarmAll: the user re-enabled the probes; the first int3 may fire
    pending.add(new CodeChange.Globals(false, disarmAllReturned));
    lock(Lock.TEXT_MUTEX);
    for (Kprobe p : List.copyOf(table.values())) if (!kprobeDisabled(p)) armKprobeLocked(p);
    unlock(Lock.TEXT_MUTEX);
    kprobesAllDisarmed = false;
    pending.add(new CodeChange.Globals(false, disarmAllReturned));
    printk("Kprobes globally enabled");
  }

  // ====================================================================== the optimizer

  /** Step 1 of the seed's {@code kprobe_optimizer()}; returns the number of probes un-optimised. */
  int doUnoptimizeKprobes() {
    requireSection();
    final String fn = "do_unoptimize_kprobes";
    if (unoptimizingList.isEmpty()) return 0;
    lock(Lock.CPU_HOTPLUG);
    lock(Lock.TEXT_MUTEX);
    int n = 0;
    if (cfg.batchPatching()) {
      // arch_unoptimize_kprobes(&unoptimizing_list, free_list): one text_poke_smp_batch
      List<CodeChange> patches = new ArrayList<>();
      while (!unoptimizingList.isEmpty() && n < cfg.maxOptimizeProbes()) {
        Kprobe op = unoptimizingList.peekFirst();
        patches.add(new CodeChange.JumpRestore(op.addr, op.id));
        listDelInit(op, fn);
        listAdd(op, Kprobe.OpList.FREE, fn); // list_move(&op->list, done_list)
        n++;
      }
      textPokeSmp("text_poke_smp_batch(unoptimize)", patches);
      // loop free_list for disarming
      for (Kprobe op : List.copyOf(freeList)) {
        if (kprobeDisabled(op)) archDisarmKprobe(op);
        if (kprobeUnused(op)) {
          hashDel(op, fn); // reclaimed by do_free_cleaned_kprobes after the grace period
        } else {
          listDelInit(op, fn);
        }
      }
    } else {
      // the seed commit itself: arch_unoptimize_kprobe() (one text_poke_smp) per probe
      for (Kprobe op : List.copyOf(unoptimizingList)) {
        textPokeSmp("arch_unoptimize_kprobe", List.of(new CodeChange.JumpRestore(op.addr, op.id)));
        if (kprobeDisabled(op)) archDisarmKprobe(op);
        listDelInit(op, fn);
        if (kprobeUnused(op)) {
          hashDel(op, fn);
          listAdd(op, Kprobe.OpList.FREE, fn); // list_move(&op->list, free_list)
        }
        n++;
      }
    }
    unlock(Lock.TEXT_MUTEX);
    unlock(Lock.CPU_HOTPLUG);
    return n;
  }

  /** Step 3: {@code do_optimize_kprobes()}; returns the number of probes optimised. */
  int doOptimizeKprobes() {
    requireSection();
    final String fn = "do_optimize_kprobes";
    if (kprobesAllDisarmed || !kprobesAllowOptimization || optimizingList.isEmpty()) return 0;
    lock(Lock.CPU_HOTPLUG);
    lock(Lock.TEXT_MUTEX);
    List<CodeChange> patches = new ArrayList<>();
    int n = 0;
    while (!optimizingList.isEmpty() && (!cfg.batchPatching() || n < cfg.maxOptimizeProbes())) {
      Kprobe op = optimizingList.peekFirst();
      if (kprobeDisabled(op)) printk("WARNING: optimizing a disabled probe @" + op.addr);
      CodeChange.JumpWrite w = new CodeChange.JumpWrite(op.addr, op.optSize, op.id);
      if (cfg.batchPatching()) patches.add(w);
      else textPokeSmp("arch_optimize_kprobe", List.of(w));
      listDelInit(op, fn);
      n++;
    }
    if (cfg.batchPatching()) textPokeSmp("text_poke_smp_batch(optimize)", patches);
    unlock(Lock.TEXT_MUTEX);
    unlock(Lock.CPU_HOTPLUG);
    return n;
  }

  /** Step 4: {@code do_free_cleaned_kprobes(&free_list)}; returns the number of probes freed. */
  int doFreeCleanedKprobes() {
    requireSection();
    final String fn = "do_free_cleaned_kprobes";
    int n = 0;
    for (Kprobe op : List.copyOf(freeList)) {
      if (!kprobeUnused(op)) {
        violation(
            "K7_FreeOnlyUnused",
            "BUG_ON(!kprobe_unused) in do_free_cleaned_kprobes: "
                + op
                + " flags "
                + op.flags
                + " children "
                + op.list.size());
        listDelInit(op, fn); // the kernel would have crashed here; keep the probe
        continue;
      }
      listDelInit(op, fn);
      if (cfg.reoptimizeOnFree()) {
        // f76d1c41b609 (2026): retry the probe this one was blocking
        Kprobe other = getOptimizedKprobe(op.addr);
        if (other != null) optimizeKprobe(other);
      }
      freeAggrKprobe(op, fn);
      n++;
    }
    return n;
  }

  /** Step 5: kick again if a list is still not empty (batch limit), else wake the waiters. */
  boolean optimizerStep5() {
    requireSection();
    boolean again = !optimizingList.isEmpty() || !unoptimizingList.isEmpty();
    if (again) kickKprobeOptimizer("kprobe_optimizer(step 5)");
    else fx.add(new Effects.CompleteAll());
    return again;
  }

  /**
   * The step of this kernel's {@code kprobe_optimizer()} that follows {@code done} ({@code null}:
   * the run has just taken its mutexes). v2.6.38: Step 1 {@code do_unoptimize_kprobes}, Step 2
   * {@code synchronize_sched()}, Step 3 {@code do_optimize_kprobes}, Step 4 {@code
   * do_free_cleaned_kprobes}, then unlock and Step 5 ({@link OptimizerStep#END}).
   */
  OptimizerStep nextOptimizerStep(OptimizerStep done) {
    requireSection();
    if (done == null) return OptimizerStep.DO_UNOPTIMIZE;
    return switch (done) {
      case DO_UNOPTIMIZE ->
          cfg.noGracePeriod() ? OptimizerStep.DO_OPTIMIZE : OptimizerStep.SYNCHRONIZE;
      case SYNCHRONIZE -> OptimizerStep.DO_OPTIMIZE;
      case DO_OPTIMIZE -> OptimizerStep.DO_FREE_CLEANED;
      case DO_FREE_CLEANED, END -> OptimizerStep.END;
    };
  }

  /**
   * Runs optimizer step {@code s} under the optimizer's mutexes; returns the probes it did. Step 2
   * (the grace period) and the unlock are the task's own, not steps of the core.
   */
  int optimizerStep(OptimizerStep s) {
    return switch (s) {
      case DO_UNOPTIMIZE -> doUnoptimizeKprobes();
      case DO_OPTIMIZE -> doOptimizeKprobes();
      case DO_FREE_CLEANED -> doFreeCleanedKprobes();
      case SYNCHRONIZE, END -> throw new IllegalStateException(s + " is not a step of the core");
    };
  }

  /** The locks {@code kprobe_optimizer()} holds for its whole run (v2.6.36-v2.6.38). */
  List<Lock> optimizerHolds() {
    return List.of(Lock.MODULE_MUTEX, Lock.KPROBE_MUTEX);
  }

  /** The seed's free list is local to one optimizer run (K3 checks it is empty outside). */
  boolean freeListEmptyOutsideRuns() {
    return true;
  }

  boolean listsEmpty() {
    return optimizingList.isEmpty() && unoptimizingList.isEmpty();
  }

  // ====================================================================== checks and audit

  /** K3 and K4, at a point where kprobe_mutex is released (the state must be consistent). */
  void checkConsistency() {
    requireSection();
    checkList(optimizingList, Kprobe.OpList.OPTIMIZING);
    checkList(unoptimizingList, Kprobe.OpList.UNOPTIMIZING);
    if (freeListEmptyOutsideRuns() && !freeList.isEmpty())
      violation("K3_OneListAtMost", "free_list not empty outside the optimizer: " + freeList);
    // membership by identity, as ArrayDeque.contains, in one pass per list: with thousands of
    // probes queued a contains() per probe made every mutex release quadratic
    java.util.Set<Kprobe> onOptimizing = null;
    java.util.Set<Kprobe> onUnoptimizing = null;
    java.util.Set<Kprobe> onFree = null;
    for (Kprobe p : table.values()) {
      if (!p.aggr || p.gone()) continue;
      if (p.queue != Kprobe.OpList.NONE) {
        java.util.Set<Kprobe> on;
        switch (p.queue) {
          case OPTIMIZING -> {
            if (onOptimizing == null) onOptimizing = identitySet(optimizingList);
            on = onOptimizing;
          }
          case UNOPTIMIZING -> {
            if (onUnoptimizing == null) onUnoptimizing = identitySet(unoptimizingList);
            on = onUnoptimizing;
          }
          default -> {
            if (onFree == null) onFree = identitySet(freeList);
            on = onFree;
          }
        }
        if (!on.contains(p))
          violation("K3_OneListAtMost", p + " claims " + p.queue + " but is not on it");
      }
      Code c = codeAt(p.addr);
      boolean jump = c.firstByte() == FirstByte.JMP && c.rel32() && c.op() == p.id;
      String want = null;
      switch (p.state()) {
        case OPTIMIZING -> {
          if (c.firstByte() != FirstByte.INT3 || c.rel32()) want = "INT3";
        }
        case OPTIMIZED, UNOPTIMIZING -> {
          if (!jump) want = "JMP";
        }
        case UNOPTIMIZED -> {
          if (c.rel32()) want = "no jump bytes";
        }
        default -> {}
      }
      if (want != null) {
        violation(
            "K4_CodeMatchesState",
            p
                + " is "
                + p.state()
                + " (flags "
                + p.flags
                + ") but the code is "
                + describe(c)
                + ", expected "
                + want);
      }
    }
  }

  private static java.util.Set<Kprobe> identitySet(ArrayDeque<Kprobe> l) {
    java.util.Set<Kprobe> s =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>(l.size() * 2));
    s.addAll(l);
    return s;
  }

  void checkList(ArrayDeque<Kprobe> l, Kprobe.OpList which) {
    for (Kprobe p : l) {
      if (p.queue != which)
        violation("K3_OneListAtMost", p + " is on " + which + " but claims " + p.queue);
    }
  }

  static String describe(Code c) {
    if (c.firstByte() == FirstByte.JMP) return c.rel32() ? "JMP" : "E9+orig (corrupt)";
    if (c.firstByte() == FirstByte.INT3) return c.rel32() ? "INT3+REL" : "INT3";
    return c.rel32() ? "ORIG+REL (corrupt)" : "ORIG";
  }

  /** The end-of-script audit: optimisations that were lost, unused aggregators nobody will free. */
  void audit() {
    requireSection();
    int hashed = 0;
    int optimized = 0;
    List<Integer> lost = new ArrayList<>();
    List<Integer> leaked = new ArrayList<>();
    int unarmed = 0;
    for (Kprobe p : table.values()) {
      hashed++;
      if (!kprobeDisabled(p)
          && !kprobesAllDisarmed
          && !ftraceLocation(p.addr)
          && codeAt(p.addr).firstByte() == FirstByte.ORIG) unarmed++;
      if (!p.aggr) continue;
      if (p.state() == Kprobe.State.OPTIMIZED) optimized++;
      if (!kprobeDisabled(p)
          && kprobeOptready(p)
          && !kprobeOptimized(p)
          && p.queue == Kprobe.OpList.NONE
          && kprobesAllowOptimization
          && !kprobesAllDisarmed
          && !p.postHandler
          && archCheckOptimizedKprobe(p)) {
        lost.add(p.addr);
      }
      if (kprobeUnused(p) && p.queue == Kprobe.OpList.NONE) leaked.add(p.addr);
    }
    note(new KprobeNote.AuditResult(hashed, optimized, lost.size(), leaked.size(), lost, leaked));
    fx.add(new Effects.Count("auditHashedProbes", hashed));
    fx.add(new Effects.Count("auditOptimizedProbes", optimized));
    fx.add(new Effects.Count("auditLostReoptimizations", lost.size()));
    fx.add(new Effects.Count("auditLeakedUnusedProbes", leaked.size()));
    fx.add(new Effects.Count("auditEnabledButNotArmed", unarmed));
  }

  /**
   * Whether {@code addr} is an ftrace location ({@code kprobe_ftrace()}: a probe there is armed
   * through ftrace, never with an int3, and never optimised).
   */
  boolean ftraceLocation(int addr) {
    for (ProbeDef d : defs.values()) if (d.addr() == addr && d.ftrace()) return true;
    return false;
  }

  // ====================================================================== for tests

  Kprobe probe(int id) {
    return probes.get(id);
  }

  Kprobe hashed(int addr) {
    return table.get(addr);
  }
}
