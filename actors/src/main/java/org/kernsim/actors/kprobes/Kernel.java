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
 */
enum Kernel {
  V2_6_36("2.6.36"),
  V2_6_37("2.6.37"),
  V2_6_38("2.6.38");

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

  /** v2.6.37 (jump labels): {@code register_kprobe()} takes {@code jump_label_lock()}. */
  boolean registerTakesJumpLabelLock() {
    return compareTo(V2_6_37) >= 0;
  }

  /**
   * How {@code get_online_cpus()} takes the hotplug lock, for the lock-order checker. Up to 4.12 it
   * is a reference count under {@code cpu_hotplug.lock}: a writer waits (without the lock) until no
   * reader is left, and readers never wait for a pending writer, so readers nest: a recursive read.
   */
  LockMode hotplugReadMode() {
    return LockMode.RECURSIVE_READ;
  }
}
