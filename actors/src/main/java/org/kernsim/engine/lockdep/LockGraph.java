package org.kernsim.engine.lockdep;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.kernsim.protocol.lockdep.LockNote.LockMode;

/**
 * The lock-order graph of a run, as the kernel's lockdep builds it ({@code kernel/locking/
 * lockdep.c}, with the recursive-read rules of Boqun Feng's series merged for v5.7): plain logic
 * over the lock classes each task holds, fed one acquisition or release at a time, in the run's
 * canonical order. No engine, no clock: the caller passes the time and the task.
 *
 * <ul>
 *   <li>Every acquisition (not a trylock) while holding locks adds a <em>dependency</em> {@code
 *       held -> acquired} as v6.13.7's {@code check_prevs_add()} does: from the newest held entry
 *       and, walking down the task's held stack, from each trylock entry until the first
 *       non-trylock entry, which gets its dependency too and ends the walk ("Stop after the first
 *       non-trylock entry, as non-trylock entries have added their own direct dependencies
 *       already"). Older locks reach the new one only through the chain of newer ones. This is not
 *       the same as an edge from every held lock: with a recursive read in the middle of a stack,
 *       {@code A} (exclusive) then {@code B} (recursive read) then {@code C} gives {@code A -> B ->
 *       C}, which is not a strong path (see below), where a direct {@code A -> C} would be, so a
 *       later {@code C -> A} is no report, as in the kernel. Each dependency keeps where it was
 *       first seen. (Not modelled: irq contexts, which also end the walk, and lockdep's chain
 *       cache, which only skips re-validating a chain already seen.)
 *   <li>A new dependency that closes a cycle is a <em>possible circular locking dependency</em>,
 *       whether or not the run deadlocked: two tasks that took the locks in opposite orders at
 *       different times are enough (lockdep's strength).
 *   <li>Read locks: a dependency is typed by how the held lock is held (exclusive, or shared) and
 *       how the next one is taken (recursive read, or not). A cycle that passes through a lock
 *       taken as a recursive read in one dependency and held shared in the next is not a deadlock
 *       (a recursive reader does not wait for another reader); only the other ("strong") cycles are
 *       reported, as lockdep's {@code check_noncircular()} does since v5.7.
 *   <li>Taking a lock class the task already holds is <em>possible recursive locking</em> unless it
 *       is a recursive read of a lock held for reading ({@code check_deadlock()}): a {@code READ}
 *       of a held {@code READ} is reported, because a writer that arrives in between blocks the
 *       second reader (a percpu rwsem such as {@code cpu_hotplug_lock} since 4.13: spec SM-2).
 * </ul>
 */
public final class LockGraph {

  /**
   * A dependency {@code held -> acquired}, as first seen: task {@code task} held {@code held} (in
   * {@code heldMode}) and took {@code acquired} (in {@code acquiredMode}) in {@code site} at {@code
   * time}.
   */
  public record Dependency(
      String held,
      LockMode heldMode,
      String acquired,
      LockMode acquiredMode,
      int task,
      long time,
      String site) {}

  /** What the graph found. */
  public sealed interface Report permits Circular, Recursive, Unbalanced {
    /** The task whose acquisition or release found it. */
    int task();
  }

  /**
   * A cycle: {@code current} (the dependency just added) and {@code existing}, the dependencies
   * already in the graph that lead from its acquired lock back to its held lock.
   */
  public record Circular(Dependency current, List<Dependency> existing) implements Report {
    @Override
    public int task() {
      return current.task();
    }

    /** The lock classes of the cycle, from the held lock of {@code current} back to it. */
    public List<String> cycle() {
      List<String> out = new ArrayList<>();
      out.add(current.held());
      out.add(current.acquired());
      for (Dependency d : existing) out.add(d.acquired());
      return out;
    }
  }

  /** Task {@code task} takes {@code lock} in {@code mode} while it holds it already. */
  public record Recursive(
      int task,
      String lock,
      LockMode mode,
      String site,
      long time,
      LockMode heldMode,
      String heldSite,
      long heldTime)
      implements Report {}

  /** Task {@code task} releases a lock class it does not hold. */
  public record Unbalanced(int task, String lock, long time) implements Report {}

  private record Held(String lock, LockMode mode, boolean trylock, long time, String site) {}

  private final Map<Integer, List<Held>> stacks = new HashMap<>();
  private final Map<String, Integer> ids = new HashMap<>();
  private final List<String> names = new ArrayList<>();

  /** Per lock class: its successors, each with its dependencies by type (see {@link #type}). */
  private final List<LinkedHashMap<Integer, Dependency[]>> edges = new ArrayList<>();

  /** The lock classes of each cycle reported so far. */
  private final List<java.util.Set<String>> reportedCycles = new ArrayList<>();

  private int dependencies;

  /** Task {@code task} tries to take {@code lock}; returns what that acquisition reveals. */
  public List<Report> acquire(
      int task, String lock, LockMode mode, boolean trylock, String site, long time) {
    List<Held> stack = stacks.computeIfAbsent(task, t -> new ArrayList<>());
    List<Report> out = new ArrayList<>(0);
    id(lock);
    if (!trylock) {
      for (Held h : stack) {
        if (h.lock().equals(lock)
            && !(mode == LockMode.RECURSIVE_READ && h.mode() != LockMode.WRITE)) {
          out.add(new Recursive(task, lock, mode, site, time, h.mode(), h.site(), h.time()));
          break;
        }
      }
      // check_prevs_add(): from the newest held entry down, a dependency from each trylock entry
      // and from the first non-trylock entry, then stop; that entry's own acquisition connected
      // it to the locks below, so they reach the new lock through it (transitively)
      for (int i = stack.size() - 1; i >= 0; i--) {
        Held h = stack.get(i);
        if (!h.lock().equals(lock)) addDependency(h, task, lock, mode, site, time, out);
        if (!h.trylock()) break;
      }
    }
    stack.add(new Held(lock, mode, trylock, time, site));
    return out;
  }

  /** {@code check_prev_add()}: the dependency {@code h -> lock}, and the cycle it closes if any. */
  private void addDependency(
      Held h, int task, String lock, LockMode mode, String site, long time, List<Report> out) {
    int from = id(h.lock());
    int to = id(lock);
    int t = type(h.mode(), mode);
    Dependency[] byType = edges.get(from).computeIfAbsent(to, k -> new Dependency[4]);
    if (byType[t] != null) return;
    Dependency d = new Dependency(h.lock(), h.mode(), lock, mode, task, time, site);
    byType[t] = d;
    dependencies++;
    List<Dependency> back = pathBack(from, to, t);
    if (back != null) {
      Circular c = new Circular(d, back);
      if (newCycle(c)) out.add(c);
    }
  }

  /**
   * Whether {@code c} is worth a report: not if the classes of a cycle already reported are all in
   * it (the same cycle again, or a longer way around a reported one).
   */
  private boolean newCycle(Circular c) {
    java.util.Set<String> classes = new TreeSet<>(c.cycle());
    for (java.util.Set<String> r : reportedCycles) if (classes.containsAll(r)) return false;
    reportedCycles.add(classes);
    return true;
  }

  /** Task {@code task} releases {@code lock} (its most recent acquisition of that class). */
  public List<Report> release(int task, String lock, long time) {
    List<Held> stack = stacks.get(task);
    if (stack != null) {
      for (int i = stack.size() - 1; i >= 0; i--) {
        if (stack.get(i).lock().equals(lock)) {
          stack.remove(i);
          return List.of();
        }
      }
    }
    return List.of(new Unbalanced(task, lock, time));
  }

  /** A wait on pseudo-lock {@code lock}: an exclusive acquisition, released at once. */
  public List<Report> waitFor(int task, String lock, String site, long time) {
    List<Report> out = acquire(task, lock, LockMode.WRITE, false, site, time);
    release(task, lock, time);
    return out;
  }

  /** The lock classes task {@code task} holds, oldest first. */
  public List<String> held(int task) {
    List<Held> s = stacks.get(task);
    return s == null ? List.of() : s.stream().map(Held::lock).toList();
  }

  /** Lock classes seen so far. */
  public int classes() {
    return names.size();
  }

  /** Distinct typed dependencies recorded so far. */
  public int dependencies() {
    return dependencies;
  }

  private int id(String lock) {
    Integer i = ids.get(lock);
    if (i != null) return i;
    ids.put(lock, names.size());
    names.add(lock);
    edges.add(new LinkedHashMap<>());
    return names.size() - 1;
  }

  /**
   * The type of a dependency: bit 1 = the held lock is held shared (any read), bit 0 = the next
   * lock is taken as a recursive read.
   */
  private static int type(LockMode held, LockMode next) {
    return (held != LockMode.WRITE ? 2 : 0) | (next == LockMode.RECURSIVE_READ ? 1 : 0);
  }

  private static boolean sharedHeld(int type) {
    return (type & 2) != 0;
  }

  private static boolean recursiveNext(int type) {
    return (type & 1) != 0;
  }

  /**
   * A strong path from {@code to} back to {@code from} that closes a strong cycle with the new
   * dependency {@code from -> to} of type {@code t}, or null. Breadth first over (lock, whether it
   * was reached by a recursive-read acquisition), so the path found is a shortest one.
   */
  private List<Dependency> pathBack(int from, int to, int t) {
    int n = names.size();
    int[] parent = new int[2 * n];
    Dependency[] via = new Dependency[2 * n];
    Arrays.fill(parent, -2);
    int start = 2 * to + (recursiveNext(t) ? 1 : 0);
    parent[start] = -1;
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    queue.add(start);
    while (!queue.isEmpty()) {
      int s = queue.poll();
      int lock = s / 2;
      boolean r = (s & 1) != 0;
      if (lock == from && !(r && sharedHeld(t))) {
        List<Dependency> path = new ArrayList<>();
        for (int x = s; parent[x] >= 0; x = parent[x]) path.add(0, via[x]);
        return path;
      }
      if (lock == from) continue;
      for (Map.Entry<Integer, Dependency[]> e : edges.get(lock).entrySet()) {
        Dependency[] byType = e.getValue();
        for (int u = 0; u < 4; u++) {
          if (byType[u] == null || (r && sharedHeld(u))) continue;
          int next = 2 * e.getKey() + (recursiveNext(u) ? 1 : 0);
          if (parent[next] != -2) continue;
          parent[next] = s;
          via[next] = byType[u];
          queue.add(next);
        }
      }
    }
    return null;
  }
}
