package org.kernsim.actors.placement;

import java.util.function.IntPredicate;

/**
 * Where a waking task that may run on several CPUs is enqueued: v6.13.7 {@code
 * select_task_rq_fair()} on a wake-up ({@code WF_TTWU}, {@code kernel/sched/fair.c:8546-8613}), the
 * fast path. Pure: CPU indices in, CPU index out; the {@code Cpu} entities ask the question one CPU
 * at a time ({@code SchedMessage.SelectIdle}), so each answer is that CPU's state when asked — as
 * racy as the kernel's lockless reads.
 *
 * <ol>
 *   <li>{@code wake_affine()} picks {@code target}: {@code wake_affine_idle()} (7314-7336) returns
 *       {@code prev_cpu} if it is idle; the waker's CPU ({@code this_cpu}) is never idle here (the
 *       waker runs on it), and {@code wake_affine_weight()} (PELT loads, {@code WA_WEIGHT}) is not
 *       modelled: {@code target = prev_cpu} — which is also what {@code wake_affine()} returns
 *       whenever its choice is not {@code this_cpu} (7383-7401).
 *   <li>{@code select_idle_sibling(p, prev, target)} (7800-7900): {@code target} if idle; then
 *       {@code select_idle_cpu()} (7665-7720): the CPUs of {@code target}'s last-level cache (the
 *       model's NUMA node) allowed to the task, from {@code target + 1} on, wrapping; the first
 *       idle one; else {@code target}. Not modelled: {@code recent_used_cpu} (an idle one is found
 *       by the scan too, only the order differs), the per-CPU-kthread stacking shortcut, SMT idle
 *       cores, and {@code SIS_UTIL}'s limit on the scan (it only shortens the scan on a busy LLC,
 *       i.e. returns {@code target} more often).
 * </ol>
 *
 * <p>Not the wake-up of a task allowed on one CPU only: {@code select_task_rq()} (core.c:3568)
 * calls {@code select_task_rq_fair()} only if {@code p->nr_cpus_allowed > 1}; and a CPU that is not
 * allowed ({@code is_cpu_allowed()}) sends the task to {@code select_fallback_rq()}.
 */
public final class SelectTaskRq {
  private SelectTaskRq() {}

  /**
   * The {@code hop}-th CPU {@code select_idle_sibling()} looks at: {@code target} for hop 0, then
   * {@code select_idle_cpu()}'s scan order over {@code llc} (ascending CPU ids) from the first CPU
   * after {@code target}, wrapping, {@code target} excluded; -1 past the last.
   */
  public static int scanCandidate(int[] llc, int target, int hop) {
    if (hop == 0) return target;
    if (hop >= llc.length) return -1;
    int at = 0;
    while (at < llc.length && llc[at] != target) at++;
    if (at == llc.length) return -1;
    return llc[(at + hop) % llc.length];
  }

  /**
   * The whole decision at once, for a snapshot of which CPUs are idle: the first idle candidate of
   * {@link #scanCandidate}, else {@code target} ({@code select_idle_sibling()}'s {@code return
   * target}).
   */
  public static int selectIdleSibling(int[] llc, int target, IntPredicate availableIdle) {
    for (int hop = 0; ; hop++) {
      int c = scanCandidate(llc, target, hop);
      if (c < 0) return target;
      if (availableIdle.test(c)) return c;
    }
  }

  /**
   * {@code kick_pool()}'s repatriation (v6.13.7 {@code kernel/workqueue.c:1267-1277}): if the pool
   * is not {@code affn_strict} and the picked worker's {@code p->wake_cpu} is outside the pool's
   * pod, {@code wake_cpu} becomes a CPU of the pod that is online ({@code
   * cpumask_any_and_distribute()}; here the first such CPU after {@code wakeCpu}, wrapping); else
   * -1 (unchanged). In this model the unbound pool's one pod spans every CPU, so it never applies.
   */
  public static int repatriate(int wakeCpu, boolean affnStrict, int[] pod, IntPredicate online) {
    if (affnStrict) return -1;
    for (int c : pod) if (c == wakeCpu) return -1;
    int best = -1;
    for (int c : pod) {
      if (!online.test(c)) continue;
      if (c > wakeCpu) return c;
      if (best < 0) best = c;
    }
    return best;
  }
}
