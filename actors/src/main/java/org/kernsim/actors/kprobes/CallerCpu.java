package org.kernsim.actors.kprobes;

import java.util.TreeMap;

/**
 * Which tasks are inside a kprobes kernel function that the {@link KprobeManager} carries out for
 * them, and whether each holds its CPU: the pure logic of "a caller's kernel code runs on the
 * caller's CPU".
 *
 * <p>In the kernel a task that calls {@code register_kprobe()}, {@code enable_kprobe()}, {@code
 * unregister_kprobes()}, a sysctl or debugfs handler... executes that code itself, on its own CPU
 * ({@code current}), and leaves the CPU only where the code sleeps: {@code mutex_lock()} of a
 * contended {@code kprobe_mutex} / {@code text_mutex} / {@code cpu_hotplug.lock} ({@code
 * __mutex_lock_common()}: {@code schedule()}), {@code wait_for_completion()} (in {@code
 * stop_machine()} after the work is queued, v2.6.38 {@code kernel/stop_machine.c}:158-166; {@code
 * wait_for_kprobe_optimizer()}; {@code flush_work()}), {@code synchronize_sched()} / {@code
 * synchronize_rcu()} ({@code wait_rcu_gp()}). Woken ({@code try_to_wake_up()}), it goes on only
 * once it runs on its CPU again, competing with whatever else runs there; until then the function
 * makes no progress. Between those points the CPU runs nothing else: in these kernels kernel code
 * is not preempted there (the 2.6.3x kprobes paths hold mutexes and spin in {@code
 * text_poke_smp()}/{@code stop_machine()}'s setup with no preemption point; a modern caller holds
 * {@code kprobe_mutex} and spins in {@code text_poke_bp()}).
 *
 * <p>Per caller: {@link #enter} when the call starts (the caller is running: it sent the call),
 * {@link #sleeps} at a sleep (true: tell the caller to give up its CPU), {@link #resume} when what
 * it slept for is there ({@link Resume#NOW}: it never left its CPU, go on; {@link
 * Resume#WAKE_CALLER}: wake it and go on at {@link #onCpu}), {@link #leave} when the function
 * returns. A task that never {@link #enter}ed (the optimizer's host, whose steps are driven by its
 * own messages) always resumes {@link Resume#NOW}.
 */
final class CallerCpu implements java.io.Serializable {

  /** What to do when a caller's wait is over. */
  enum Resume {
    /** The caller holds its CPU (it did not sleep, or is not a caller): go on at once. */
    NOW,
    /** The caller sleeps: wake it, and go on when it holds its CPU again ({@link #onCpu}). */
    WAKE_CALLER
  }

  private static final int ON_CPU = 0;
  private static final int ASLEEP = 1;
  private static final int WAKING = 2;

  /** Per task in a call: {token, state}. A TreeMap so that a snapshot writes it in one order. */
  private final TreeMap<Integer, long[]> calls = new TreeMap<>();

  /** {@code task} enters the function of call {@code token}, running on its CPU. */
  void enter(int task, long token) {
    if (calls.containsKey(task))
      throw new IllegalStateException("task " + task + " is already in a kprobes call");
    calls.put(task, new long[] {token, ON_CPU});
  }

  /** {@code task}'s function returns (to the caller, who holds its CPU). */
  void leave(int task) {
    long[] c = calls.get(task);
    if (c == null) throw new IllegalStateException("task " + task + " is in no kprobes call");
    if (c[1] != ON_CPU)
      throw new IllegalStateException("task " + task + " returns while off its CPU");
    calls.remove(task);
  }

  boolean isCaller(int task) {
    return calls.containsKey(task);
  }

  /** The call {@code task} is in. */
  long token(int task) {
    long[] c = calls.get(task);
    if (c == null) throw new IllegalStateException("task " + task + " is in no kprobes call");
    return c[0];
  }

  /** Whether {@code task} is a caller that holds its CPU now (false for any other task). */
  boolean holdsCpu(int task) {
    long[] c = calls.get(task);
    return c != null && c[1] == ON_CPU;
  }

  /**
   * The function of {@code task} sleeps here. Returns true if {@code task} is a caller, which must
   * now give up its CPU; false for any other task (nothing to tell).
   */
  boolean sleeps(int task) {
    long[] c = calls.get(task);
    if (c == null) return false;
    if (c[1] != ON_CPU)
      throw new IllegalStateException("task " + task + " sleeps twice in call " + c[0]);
    c[1] = ASLEEP;
    return true;
  }

  /** What {@code task}'s function waits for is there; see {@link Resume}. */
  Resume resume(int task) {
    long[] c = calls.get(task);
    if (c == null || c[1] == ON_CPU) return Resume.NOW;
    if (c[1] == WAKING)
      throw new IllegalStateException("task " + task + " woken twice in call " + c[0]);
    c[1] = WAKING;
    return Resume.WAKE_CALLER;
  }

  /**
   * {@code task}, woken in call {@code token}, runs on its CPU again; false if it was not waking in
   * that call (a stray message).
   */
  boolean onCpu(int task, long token) {
    long[] c = calls.get(task);
    if (c == null || c[0] != token || c[1] != WAKING) return false;
    c[1] = ON_CPU;
    return true;
  }
}
