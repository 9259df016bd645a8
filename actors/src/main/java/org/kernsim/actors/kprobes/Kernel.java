package org.kernsim.actors.kprobes;

import java.util.Arrays;
import java.util.List;
import org.kernsim.protocol.lockdep.LockNote.LockMode;

/**
 * The kernel versions the kprobes model follows ({@code kprobes.kernel}); each value is one
 * coherent kernel, whole, read from its sources (spec A.10 for the history):
 *
 * <ul>
 *   <li>{@link #V2_6_36}: {@code kernel/kprobes.c}, {@code arch/x86/kernel/kprobes.c} and {@code
 *       arch/x86/kernel/alternative.c} of v2.6.36. Optprobes (2.6.34) without delayed
 *       un-optimisation: every un-optimisation is one {@code text_poke_smp()} (one stop_machine) in
 *       the caller's kprobe_mutex section; the optimizer optimises per probe, one stop_machine
 *       each, after a {@code synchronize_sched()} it skips when nothing may be optimised. Its
 *       {@code text_poke_smp()} calls {@code stop_machine()}, which takes {@code get_online_cpus()}
 *       itself, even inside text_mutex; {@code optimize_all_kprobes()} takes text_mutex.
 *   <li>{@link #V2_6_37}: the same design in v2.6.37, the tree the seed patched: {@code
 *       text_poke_smp()} calls {@code __stop_machine()} ("the caller already got online_cpus"),
 *       {@code register_kprobe()} takes {@code jump_label_lock()}.
 *   <li>{@link #V2_6_38}: the seed, 6274de4984a6 "kprobes: Support delayed unoptimizing", with its
 *       batching follow-ups (cd7ebe2298ff and its unoptimizing twin, {@code MAX_OPTIMIZE_PROBES} =
 *       256) as released in v2.6.38.
 * </ul>
 *
 * The modern kernels ({@link ModernKprobes}) patch with int3s instead of stop_machine ({@code
 * text_poke_bp}, {@code org.kernsim.actors.textpoke}), wait with {@code synchronize_rcu_tasks()},
 * flush the optimizer instead of waiting on a completion, and rescue unused aggregators:
 *
 * <ul>
 *   <li>{@link #V5_2}: v5.2 (kernel/kprobes.c and arch/x86 read at v5.2.1): the optimizer takes
 *       module_mutex before text_mutex, ftrace-based kprobes take text_mutex before module_mutex
 *       (KP-10, fixed by f1c6ece23729); the seed's flag encoding; {@code text_poke_bp()} with a
 *       handler both ways.
 *   <li>{@link #V5_4}: v5.4 (read): text_mutex before module_mutex; otherwise as 5.2.
 *   <li>{@link #V5_5_TIP}: the -tip tree f66c0447cca1 was posted against ("5.4.0-rc8+" in its oops,
 *       Nov 2019): v5.4's kernel/kprobes.c (blob 53534aa258a6) under the 5.5 text-patching rework,
 *       where {@code arch_unoptimize_kprobe()} is two {@code text_poke()}s and two {@code
 *       text_poke_sync()}s without a patching descriptor (as read in v6.1): KP-5.
 *   <li>{@link #V5_5}: kernel/kprobes.c as e4add247789e found it (blob 34e28b236d68 = v5.4 +
 *       f66c0447cca1): OPTIMIZED cleared only after the code is restored, but the cancellation
 *       logic still expects the seed's encoding: KP-6.
 *   <li>{@link #V6_1}: v6.1 (read at v6.1-rc7): optprobe_queued_unopt, freeing_list, the re-kick
 *       under kprobe_mutex, no module_mutex; KP-7, KP-8, KP-9 not yet fixed; RCU Tasks waits for
 *       exiting tasks through an SRCU (KP-11).
 *   <li>{@link #V6_13}: v6.13 (read at v6.13.7): the 2023 fixes of KP-7 (4fbd2f83fda0), KP-8
 *       (f1c97a1b4ef7) and KP-9; {@code kill_optimized_kprobe()} now asks optprobe_queued_unopt()
 *       after dequeuing (KP-16); RCU Tasks tracks exiting tasks on lists (no SRCU).
 *   <li>{@link #V7_0}: v7.0 (not available here; its kthread code read in v7.1.3, which still has
 *       it: the flush was replaced only in v7.3-rc4): v6.13 with the optimizer in a dedicated
 *       kthread (73c12f209462, {@link OptimizerThread}: IDLE/KICKED/FLUSHING) whose flush waits on
 *       a completion that Step 5 completes only "if (completion_done())" (v7.1.3 {@code
 *       kernel/kprobes.c:657-659}): KP-14; and f76d1c41b609, which re-optimises a probe the freed
 *       one was blocking (KP-13 fixed).
 *   <li>{@link #V7_3}: v7.3-rc4 (merge efb27d47677, its diff read): the flush waits for the pass
 *       counter {@code optimizer_passes} instead.
 * </ul>
 */
enum Kernel {
  V2_6_36("2.6.36"),
  V2_6_37("2.6.37"),
  V2_6_38("2.6.38"),
  V5_2("5.2"),
  V5_4("5.4"),
  V5_5_TIP("5.5-tip"),
  V5_5("5.5"),
  V6_1("6.1"),
  V6_13("6.13"),
  V7_0("7.0"),
  V7_3("7.3");

  private final String label;

  Kernel(String label) {
    this.label = label;
  }

  /** The version as users write it ({@code kprobes.kernel=2.6.37}). */
  String label() {
    return label;
  }

  static Kernel parse(String s) {
    for (Kernel k : values()) if (k.label.equals(s)) return k;
    throw new IllegalArgumentException("no kernel " + s);
  }

  static List<String> labels() {
    return Arrays.stream(values()).map(Kernel::label).toList();
  }

  /** 6274de4984a6 (v2.6.38): un-optimisation queued on unoptimizing_list, done by the optimizer. */
  boolean delayedUnoptimizing() {
    return compareTo(V2_6_38) >= 0;
  }

  /**
   * v2.6.36: {@code text_poke_smp()} calls {@code stop_machine()}, which calls {@code
   * get_online_cpus()} whether or not the caller holds it; v2.6.37 on, {@code __stop_machine()}.
   */
  boolean stopMachineTakesHotplugLock() {
    return this == V2_6_36;
  }

  /**
   * Whether {@code flush_work()} of {@code optimizing_work} touches the work item's lockdep map
   * ({@code __flush_work()}, {@code kernel/workqueue.c}), {@code busy} telling whether the work is
   * pending or running: v5.2.1, v5.4 and v6.1 touch it on every call ({@code
   * lock_map_acquire(&work->lockdep_map)} before {@code start_flush_work()} looks for the work);
   * v6.13.7 only inside {@code start_flush_work()}, which returns false first when the work is
   * neither pending nor running ({@code touch_work_lockdep_map()} after {@code
   * insert_wq_barrier()}). v2.6.38's {@code start_flush_work()} (the flush backport) touches only
   * the workqueue's map, as a recursive read for system_wq, which the worker holds shared: no
   * strong cycle can pass through it, so the model records nothing.
   */
  boolean flushTouchesWorkMap(boolean busy) {
    if (!modern()) return false;
    return compareTo(V6_13) < 0 || busy;
  }

  /** v2.6.37 (jump labels): {@code register_kprobe()} takes {@code jump_label_lock()}. */
  boolean registerTakesJumpLabelLock() {
    return compareTo(V2_6_37) >= 0;
  }

  /**
   * How {@code get_online_cpus()} / {@code cpus_read_lock()} takes the hotplug lock, for the
   * lock-order checker. Up to 4.12 it is a reference count under {@code cpu_hotplug.lock}: a writer
   * waits (without the lock) until no reader is left, and readers never wait for a pending writer,
   * so readers nest: a recursive read. Since 4.13 it is a percpu rwsem ({@code
   * percpu_down_read()}): a pending writer blocks new readers, a non-recursive read (SM-2).
   */
  LockMode hotplugReadMode() {
    return modern() ? LockMode.READ : LockMode.RECURSIVE_READ;
  }

  /** v2.6.38 only: {@code optimizer_comp} and the completion-based wait (KP-1, KP-2). */
  boolean hasOptimizerComp() {
    return this == V2_6_38;
  }

  /** The int3-patching kernels ({@link ModernKprobes}). */
  boolean modern() {
    return compareTo(V5_2) >= 0;
  }

  /** Code is patched with int3s ({@code text_poke_bp}), not stop_machine. */
  boolean int3Patching() {
    return modern();
  }

  /**
   * v5.2-v5.4: {@code arch_unoptimize_kprobe()} is {@code text_poke_bp()} with the detour as
   * handler; v5.5 on (the 2019 x86 text-poke rework): {@code text_poke(int3)}, sync, {@code
   * text_poke(tail)}, sync, no descriptor.
   */
  boolean unoptimizeThroughPokeHandler() {
    return this == V5_2 || this == V5_4;
  }

  /**
   * The seed's encoding: OPTIMIZED is cleared when a probe is queued for un-optimisation (until
   * f66c0447cca1, "kprobes: Set unoptimized flag after unoptimizing code").
   */
  boolean flagClearedWhenQueued() {
    return compareTo(V5_5_TIP) <= 0;
  }

  /** e4add247789e: optprobe_queued_unopt() tells OPTIMIZING from UNOPTIMIZING. */
  boolean queuedUnoptCheck() {
    return compareTo(V6_1) >= 0;
  }

  /** 2020 (as read in v6.1): force_unoptimize_kprobe() no longer disarms a disabled probe. */
  boolean forceUnoptimizeDisarms() {
    return compareTo(V5_5) <= 0;
  }

  /** 1a0aa991a627: Step 5 kicks under kprobe_mutex. */
  boolean rekickUnderMutex() {
    return compareTo(V6_1) >= 0;
  }

  /** v5.2 only: the optimizer's module_mutex is taken before text_mutex (KP-10). */
  boolean moduleMutexBeforeTextMutex() {
    return this == V5_2;
  }

  /** The optimizer takes module_mutex at all (dropped after v5.5). */
  boolean optimizerTakesModuleMutex() {
    return compareTo(V2_6_38) <= 0 || compareTo(V5_5) <= 0;
  }

  /**
   * x86 {@code ftrace_arch_code_modify_prepare()} takes text_mutex, then (v5.2, v5.4) {@code
   * set_all_modules_text_rw()} takes module_mutex; the 5.5 x86 text-poke rework dropped that call.
   */
  boolean ftraceTakesModuleMutex() {
    return this == V5_2 || this == V5_4;
  }

  /**
   * 4fbd2f83fda0: do_unoptimize_kprobes() walks freeing_list even if unoptimizing_list is empty.
   */
  boolean unoptimizeWalksFreeingList() {
    return compareTo(V6_13) >= 0;
  }

  /** f1c97a1b4ef7: arch_check_optimized_kprobe() asks kprobe_disarmed(), not kprobe_disabled(). */
  boolean windowCheckAsksDisarmed() {
    return compareTo(V6_13) >= 0;
  }

  /** 2023 "Fix __recover_optprobed_insn check optimizing logic": UNOPTIMIZING is recovered too. */
  boolean recoverHandlesUnoptimizing() {
    return compareTo(V6_13) >= 0;
  }

  /** 2023 (read in v6.13): kill_optimized_kprobe() dequeues, then asks optprobe_queued_unopt(). */
  boolean killAsksQueuedAfterDequeue() {
    return compareTo(V6_13) >= 0;
  }

  /** RCU Tasks' rcu_tasks_postscan() waits for exiting tasks with synchronize_srcu() (KP-11). */
  boolean rcuTasksExitSrcu() {
    return modern() && compareTo(V6_1) <= 0;
  }

  /** 73c12f209462 (v7.0): the optimizer is a dedicated kthread, not a work item. */
  boolean optimizerKthread() {
    return compareTo(V7_0) >= 0;
  }

  /** merge efb27d47677 (v7.3-rc4): the flush waits for a pass counter, not a completion. */
  boolean flushPassCounter() {
    return this == V7_3;
  }

  /**
   * f76d1c41b609 (v7.0): do_free_cleaned_kprobes() re-optimises the probe the freed one blocked.
   */
  boolean reoptimizeOnFree() {
    return compareTo(V7_0) >= 0;
  }
}
