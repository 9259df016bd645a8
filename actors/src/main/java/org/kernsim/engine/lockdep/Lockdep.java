package org.kernsim.engine.lockdep;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kernsim.engine.Checker;
import org.kernsim.engine.Context;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.lockdep.LockNote;
import org.kernsim.protocol.lockdep.LockNote.LockMode;

/**
 * The lock-order checker, usable by any model: entities publish {@link LockNote}s (with the static
 * helpers below) and the simulation adds {@code new Lockdep()} to its {@code checkers()}. It feeds
 * the notes, in the run's canonical order, to a {@link LockGraph} and reports what it finds as
 * violations of the checker {@code Lockdep}, with lockdep's words: "possible circular locking
 * dependency detected" (naming both chains: the task's own and the existing one, each dependency
 * with the task, time and function where it was first seen, the lock held and the lock taken),
 * "possible recursive locking detected", "bad unlock balance detected".
 *
 * <p>Completion waits and the like are pseudo-locks of the model's own (kernel lockdep annotates
 * only the workqueue's flushes: {@code (work_completion)} and {@code (wq_completion)} maps; see
 * {@link #isModelPseudoLock}); a cycle through one is reported with the words "[The model's
 * extension, not kernel lockdep: ...]", so nobody mistakes it for a splat the kernel would print.
 *
 * <p>Each cycle is reported once, and a cycle that only goes a longer way around one already
 * reported (its lock classes include all of that one's) is not reported; unlike the kernel's
 * lockdep, the checker does not switch itself off after the first report.
 *
 * <p>A model that writes traces adds {@link #naming()} to its {@code Simulation.naming()}, so the
 * tasks of the notes read as names.
 *
 * <pre>
 *   Lockdep.acquire(ctx, task, "kprobe_mutex", "unregister_kprobes");   // mutex_lock()
 *   Lockdep.acquireRead(ctx, task, "cpu_hotplug_lock", "stop_machine"); // cpus_read_lock()
 *   Lockdep.release(ctx, task, "kprobe_mutex");                         // mutex_unlock()
 *   Lockdep.waitFor(ctx, task, "(work_completion)optimizing_work", "flush_work");
 * </pre>
 */
public final class Lockdep implements Checker {

  /** The checker's name, as reported. */
  public static final String NAME = "Lockdep";

  private final LockGraph graph = new LockGraph();
  private long reports;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<Class<?>> observes() {
    return Set.of(LockNote.Acquire.class, LockNote.Release.class, LockNote.Wait.class);
  }

  @Override
  public void observe(TraceRecord record, Checks checks) {
    if (!(record instanceof TraceRecord.Note n)) return;
    long t = record.time();
    List<LockGraph.Report> found;
    if (n.note() instanceof LockNote.Acquire a) {
      found = graph.acquire(a.task(), a.lock(), a.mode(), a.trylock(), a.site(), t);
    } else if (n.note() instanceof LockNote.Release r) {
      found = graph.release(r.task(), r.lock(), t);
    } else if (n.note() instanceof LockNote.Wait w) {
      found = graph.waitFor(w.task(), w.lock(), w.site(), t);
    } else {
      return;
    }
    for (LockGraph.Report rep : found) {
      reports++;
      checks.violation(t, rep.task(), describe(rep, checks::name));
    }
  }

  @Override
  public void contribute(Map<String, Object> metrics) {
    metrics.put("lockdepClasses", (long) graph.classes());
    metrics.put("lockdepDependencies", (long) graph.dependencies());
    metrics.put("lockdepReports", reports);
  }

  /** The graph, for tests. */
  LockGraph graph() {
    return graph;
  }

  /** A report in lockdep's words, with entity names from {@code names}. */
  public static String describe(
      LockGraph.Report rep, java.util.function.IntFunction<String> names) {
    if (rep instanceof LockGraph.Circular c) {
      StringBuilder b = new StringBuilder("possible circular locking dependency detected: ");
      b.append(String.join(" -> ", c.cycle()));
      b.append(". This chain: ").append(edge(c.current(), names));
      b.append(". Existing chain: ");
      for (int i = 0; i < c.existing().size(); i++) {
        if (i > 0) b.append("; then ");
        b.append(edge(c.existing().get(i), names));
      }
      List<String> ext =
          c.cycle().stream().distinct().filter(Lockdep::isModelPseudoLock).sorted().toList();
      if (!ext.isEmpty())
        b.append(". [The model's extension, not kernel lockdep: the cycle goes through ")
            .append(String.join(", ", ext))
            .append(", pseudo-lock")
            .append(ext.size() > 1 ? "s" : "")
            .append(" that kernel lockdep does not annotate]");
      return b.toString();
    }
    if (rep instanceof LockGraph.Recursive r) {
      return "possible recursive locking detected: "
          + names.apply(r.task())
          + " takes "
          + r.lock()
          + " ("
          + mode(r.mode())
          + ") in "
          + r.site()
          + " at "
          + time(r.time())
          + " while holding it ("
          + mode(r.heldMode())
          + ", taken in "
          + r.heldSite()
          + " at "
          + time(r.heldTime())
          + ")"
          + (r.mode() == LockMode.READ && r.heldMode() != LockMode.WRITE
              ? ": a writer that comes in between blocks the second reader"
              : "");
    }
    LockGraph.Unbalanced u = (LockGraph.Unbalanced) rep;
    return "bad unlock balance detected: "
        + names.apply(u.task())
        + " releases "
        + u.lock()
        + " at "
        + time(u.time())
        + " but does not hold it";
  }

  /**
   * Whether lock class {@code lock} is a pseudo-lock of the model's own, one the kernel's lockdep
   * has no map for: a name {@code (kind)...} other than the workqueue's real maps {@code
   * (work_completion)...} (a work item's {@code lockdep_map}, taken by {@code process_one_work()}
   * and touched by {@code flush_work()}) and {@code (wq_completion)...} (a workqueue's). So {@code
   * (completion)optimizer_comp} is the model's: no kernel modelled here annotates {@code
   * wait_for_completion()} (cross-release existed only in v4.14, reverted for v4.15).
   */
  public static boolean isModelPseudoLock(String lock) {
    return lock.startsWith("(")
        && !lock.startsWith("(work_completion)")
        && !lock.startsWith("(wq_completion)");
  }

  private static String edge(LockGraph.Dependency d, java.util.function.IntFunction<String> names) {
    return d.held()
        + " -> "
        + d.acquired()
        + " first seen at "
        + time(d.time())
        + ": "
        + names.apply(d.task())
        + " in "
        + d.site()
        + " held "
        + d.held()
        + " ("
        + mode(d.heldMode())
        + ") and took "
        + d.acquired()
        + " ("
        + mode(d.acquiredMode())
        + ")";
  }

  private static String mode(LockMode m) {
    return switch (m) {
      case WRITE -> "exclusive";
      case READ -> "read";
      case RECURSIVE_READ -> "recursive read";
    };
  }

  static String time(long nanos) {
    return String.format(java.util.Locale.ROOT, "%d.%06d ms", nanos / 1_000_000, nanos % 1_000_000);
  }

  /**
   * The names in the lock notes (their {@code task} is an entity), for a model's {@code
   * Simulation.naming()}: {@code base.and(Lockdep.naming())}.
   */
  public static org.kernsim.engine.TraceNaming naming() {
    org.kernsim.engine.TraceNaming.Builder b = org.kernsim.engine.TraceNaming.builder();
    for (String t : List.of("LockNote.Acquire", "LockNote.Release", "LockNote.Wait"))
      b.in(t, "task", org.kernsim.engine.TraceNaming.Kind.ENTITY);
    return b.build();
  }

  // ------------------------------------------------------------------ for entities

  /** {@code task} takes {@code lock} exclusively (a mutex, a spinlock, a write lock). */
  public static void acquire(Context ctx, int task, String lock, String site) {
    if (ctx.tracing()) ctx.trace(new LockNote.Acquire(task, lock, LockMode.WRITE, false, site));
  }

  /** {@code task} takes the read side of {@code lock}, non-recursive ({@code down_read()}). */
  public static void acquireRead(Context ctx, int task, String lock, String site) {
    if (ctx.tracing()) ctx.trace(new LockNote.Acquire(task, lock, LockMode.READ, false, site));
  }

  /** {@code task} takes {@code lock} in {@code mode}, possibly as a trylock. */
  public static void acquire(
      Context ctx, int task, String lock, LockMode mode, boolean trylock, String site) {
    if (ctx.tracing()) ctx.trace(new LockNote.Acquire(task, lock, mode, trylock, site));
  }

  /** {@code task} releases {@code lock}. */
  public static void release(Context ctx, int task, String lock) {
    if (ctx.tracing()) ctx.trace(new LockNote.Release(task, lock));
  }

  /**
   * {@code task} waits for pseudo-lock {@code lock} (a flush, a completion). Name a kernel lockdep
   * map as the kernel does ({@code (work_completion)...}, {@code (wq_completion)...}); any other
   * {@code (kind)...} name is the model's own pseudo-lock (see {@link #isModelPseudoLock}).
   */
  public static void waitFor(Context ctx, int task, String lock, String site) {
    if (ctx.tracing()) ctx.trace(new LockNote.Wait(task, lock, site));
  }
}
