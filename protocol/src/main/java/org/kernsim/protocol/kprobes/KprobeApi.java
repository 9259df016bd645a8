package org.kernsim.protocol.kprobes;

import java.util.List;
import org.kernsim.protocol.WireMessage;

/**
 * The kprobes API as a protocol between a caller (a task of the workload's "admin" script) and the
 * {@code KprobeManager}: one {@link Call} is one kernel entry point ({@code register_kprobe()},
 * {@code unregister_kprobes()}, a sysctl or debugfs write...), answered by {@link Returned} when
 * the function would return to its caller. Probes are named by their index in the scenario's probe
 * table (the caller's {@code struct kprobe}).
 */
public sealed interface KprobeApi extends WireMessage permits KprobeApi.Call, KprobeApi.Returned {

  /** The caller enters {@code op}; it sleeps until {@link Returned}. */
  record Call(int requester, long token, Op op) implements KprobeApi {}

  /** {@code op} returned {@code result} (0 or a negative errno, as the kernel function). */
  record Returned(long token, int result) implements KprobeApi {}

  /** The kernel functions a caller can enter. */
  sealed interface Op extends WireMessage
      permits RegisterKprobe,
          RegisterKprobes,
          UnregisterKprobes,
          EnableKprobe,
          DisableKprobe,
          KillKprobe,
          SysctlOptimization,
          DebugfsEnabled,
          Audit {}

  /** {@code register_kprobe(p)}. */
  record RegisterKprobe(int probe) implements Op {}

  /**
   * {@code register_kprobes(kps, n)}: {@code register_kprobe()} for each in turn (each takes and
   * drops kprobe_mutex); on the first failure the ones already registered are unregistered.
   */
  record RegisterKprobes(List<Integer> probes) implements Op {}

  /** {@code unregister_kprobes(kps, n)}: top halves, {@code synchronize_sched()}, bottom halves. */
  record UnregisterKprobes(List<Integer> probes) implements Op {}

  /** {@code enable_kprobe(p)}. */
  record EnableKprobe(int probe) implements Op {}

  /** {@code disable_kprobe(p)}. */
  record DisableKprobe(int probe) implements Op {}

  /**
   * The module holding {@code probe}'s code goes away: {@code kprobes_module_callback()} -> {@code
   * kill_kprobe()}.
   */
  record KillKprobe(int probe) implements Op {}

  /** A write to sysctl {@code debug.kprobes-optimization}. */
  record SysctlOptimization(boolean on) implements Op {}

  /**
   * A write to debugfs {@code kprobes/enabled} ({@code arm_all_kprobes} / {@code
   * disarm_all_kprobes}).
   */
  record DebugfsEnabled(boolean on) implements Op {}

  /**
   * Not a kernel function: the scenario's end-of-run audit of the probe table, under kprobe_mutex.
   */
  record Audit() implements Op {}

  /** errno values returned by the API. */
  int EINVAL = -22;

  int EBUSY = -16;
}
