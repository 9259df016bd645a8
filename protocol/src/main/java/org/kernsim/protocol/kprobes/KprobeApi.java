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
public sealed interface KprobeApi extends WireMessage
    permits KprobeApi.Call,
        KprobeApi.Returned,
        KprobeApi.CallerSleeps,
        KprobeApi.CallerWakes,
        KprobeApi.CallerOnCpu {

  /**
   * The caller enters {@code op}. It runs the kernel function on its own CPU: it keeps the CPU
   * (spinning in the kernel, not preemptible) until {@link Returned}, except where the function
   * sleeps ({@link CallerSleeps} .. {@link CallerWakes}).
   */
  record Call(int requester, long token, Op op) implements KprobeApi {}

  /**
   * The kernel function of call {@code token} sleeps here ({@code mutex_lock()} on a contended
   * mutex, {@code wait_for_completion()}, {@code synchronize_sched()}...): the caller gives up its
   * CPU until {@link CallerWakes}. {@code atStopper}: the sleep is {@code stop_machine()}'s {@code
   * wait_for_completion()} after the caller queued the work on its own CPU's stopper, which runs
   * there next: the caller keeps its CPU until that stopper asks for it (its work reached the CPU),
   * then gives it up.
   */
  record CallerSleeps(long token, boolean atStopper) implements KprobeApi {}

  /**
   * What call {@code token} slept for is there ({@code try_to_wake_up()}): the caller becomes
   * runnable on its CPU and, once it runs there, answers {@link CallerOnCpu}.
   */
  record CallerWakes(long token) implements KprobeApi {}

  /** Task {@code task} holds its CPU again in call {@code token}: the function goes on. */
  record CallerOnCpu(int task, long token) implements KprobeApi {}

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
