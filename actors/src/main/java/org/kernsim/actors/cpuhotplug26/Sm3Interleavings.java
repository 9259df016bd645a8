package org.kernsim.actors.cpuhotplug26;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kernsim.engine.lockdep.LockGraph;
import org.kernsim.engine.lockdep.Lockdep;
import org.kernsim.protocol.lockdep.LockNote.LockMode;

/**
 * Every interleaving of a few tasks' {@link HotplugOp} paths over one {@link CpuHotplug26}, step by
 * step (breadth first, each distinct state once): whether some order ends with tasks that can never
 * go on (a deadlock: the wait cycle, who holds what and waits for what), or with a stop_machine
 * whose barrier never completes ({@link CpuHotplug26.Hangs}), and the shortest order that gets
 * there. The tasks' steps are atomic; between any two of them any other task may run (a task that
 * waits for a mutex runs again only once it is free), which is every order the kernel allows for
 * these locks.
 */
public final class Sm3Interleavings {

  /** A task: its name and its path. */
  public record Task(String name, List<HotplugOp> path) {}

  /**
   * What was found: {@code kind} "deadlock" or "hang", the {@code description} (the wait cycle, or
   * the barrier's counts), and the {@code schedule} that reaches it, one step per line (the last
   * ones: the steps that block, or the one that hangs).
   */
  public record Finding(String kind, String description, List<String> schedule) {}

  /**
   * The exploration: {@code states} distinct states, the shortest {@code deadlock} and {@code hang}
   * (null if none is reachable), and whether some order lets every task finish.
   */
  public record Result(long states, Finding deadlock, Finding hang, boolean someOrderCompletes) {}

  private record Node(CpuHotplug26 state, int[] pcs, Node parent, String step) {}

  private Sm3Interleavings() {}

  /** Explores every order of {@code tasks} from {@code cpus} CPUs, {@code online} of them up. */
  public static Result explore(int cpus, int online, List<Task> tasks) {
    int n = tasks.size();
    CpuHotplug26 init = new CpuHotplug26(cpus, online, n);
    ArrayDeque<Node> queue = new ArrayDeque<>();
    Set<String> seen = new HashSet<>();
    Node root = new Node(init, new int[n], null, null);
    queue.add(root);
    seen.add(key(root));
    Finding deadlock = null;
    Finding hang = null;
    boolean completes = false;
    while (!queue.isEmpty()) {
      Node node = queue.poll();
      boolean anyMoved = false;
      boolean allDone = true;
      Map<Integer, CpuHotplug26.Waits> waits = new LinkedHashMap<>();
      List<String> blockedSteps = new ArrayList<>();
      for (int t = 0; t < n; t++) {
        List<HotplugOp> path = tasks.get(t).path();
        if (node.pcs[t] >= path.size()) continue;
        allDone = false;
        HotplugOp op = path.get(node.pcs[t]);
        CpuHotplug26 next = node.state.copy();
        CpuHotplug26.Outcome o = next.step(t, op);
        String step = tasks.get(t).name() + ": " + describe(op);
        if (o instanceof CpuHotplug26.Waits w) {
          waits.put(t, w);
          blockedSteps.add(step + " BLOCKS");
        } else if (o instanceof CpuHotplug26.Hangs h) {
          anyMoved = true;
          if (hang == null)
            hang =
                new Finding(
                    "hang", tasks.get(t).name() + ": " + h.why(), schedule(node, step + " HANGS"));
        } else {
          anyMoved = true;
          int[] pcs = node.pcs.clone();
          pcs[t] += 1 + ((CpuHotplug26.Done) o).skip();
          Node child = new Node(next, pcs, node, step);
          if (seen.add(key(child))) queue.add(child);
        }
      }
      if (allDone) completes = true;
      else if (!anyMoved && deadlock == null) {
        List<String> sched = schedule(node, null);
        sched.addAll(blockedSteps);
        deadlock = new Finding("deadlock", cycle(tasks, node, waits), sched);
      }
    }
    return new Result(seen.size(), deadlock, hang, completes);
  }

  /** The waits of a stuck state, and the cycle among them. */
  private static String cycle(List<Task> tasks, Node node, Map<Integer, CpuHotplug26.Waits> waits) {
    StringBuilder b = new StringBuilder();
    // follow "waits for a holder" from the first waiter until a task repeats
    List<Integer> order = new ArrayList<>();
    int t = waits.keySet().iterator().next();
    while (!order.contains(t) && waits.containsKey(t) && !waits.get(t).holders().isEmpty()) {
      order.add(t);
      t = waits.get(t).holders().get(0);
    }
    List<Integer> cyc = order.contains(t) ? order.subList(order.indexOf(t), order.size()) : order;
    b.append("wait cycle: ");
    for (int i = 0; i < cyc.size(); i++) {
      int w = cyc.get(i);
      if (i > 0) b.append("; ");
      b.append(tasks.get(w).name())
          .append(" holds ")
          .append(held(node.state, w))
          .append(" and waits for ")
          .append(waits.get(w).what())
          .append(" (held by ")
          .append(tasks.get(waits.get(w).holders().get(0)).name())
          .append(")");
    }
    return b.toString();
  }

  private static List<String> held(CpuHotplug26 s, int task) {
    return s.held(task);
  }

  private static List<String> schedule(Node node, String last) {
    ArrayDeque<String> steps = new ArrayDeque<>();
    if (last != null) steps.push(last);
    for (Node x = node; x.parent != null; x = x.parent) steps.push(x.step);
    return new ArrayList<>(steps);
  }

  private static String key(Node n) {
    return n.state.key() + "#" + java.util.Arrays.toString(n.pcs);
  }

  /** A step as the kernel would name it. */
  public static String describe(HotplugOp op) {
    if (op instanceof HotplugOp.MutexLock l) return "mutex_lock(&" + l.mutex() + ") in " + l.site();
    if (op instanceof HotplugOp.MutexUnlock u)
      return "mutex_unlock(&" + u.mutex() + ") in " + u.site();
    if (op instanceof HotplugOp.GetOnlineCpus) return "get_online_cpus() in " + op.site();
    if (op instanceof HotplugOp.PutOnlineCpus) return "put_online_cpus() in " + op.site();
    if (op instanceof HotplugOp.CpuHotplugBegin) return "cpu_hotplug_begin() in " + op.site();
    if (op instanceof HotplugOp.CpuHotplugDone) return "cpu_hotplug_done() in " + op.site();
    if (op instanceof HotplugOp.ReadNumThreads)
      return "num_threads = num_online_cpus() in " + op.site();
    if (op instanceof HotplugOp.StopCpus) return "stop_cpus(cpu_online_mask) in " + op.site();
    if (op instanceof HotplugOp.TakeCpuDown d)
      return "take_cpu_down(): CPU " + d.cpu() + " leaves cpu_online_mask";
    if (op instanceof HotplugOp.SetCpuOnline s)
      return "start_secondary(): set_cpu_online(" + s.cpu() + ")";
    if (op instanceof HotplugOp.StopperEnabled s)
      return s.site() + ": stopper " + s.cpu() + " enabled = " + s.enabled();
    if (op instanceof HotplugOp.SkipIfSmpMode s)
      return "if (" + s.smp() + " == smp_mode) in " + s.site();
    if (op instanceof HotplugOp.SetSmpMode s) return "smp_mode = " + s.smp();
    return op.toString();
  }

  /**
   * The lock-order checker's view ({@link LockGraph}, the engine's lockdep): each task's path run
   * alone, in turn, the hotplug lock as one class {@code cpu_hotplug_lock} (a recursive read for
   * every {@code get_online_cpus()}, which never waits for a writer that merely waits; exclusive
   * for the writer's {@code cpu_hotplug_begin()}). Returns the reports, in lockdep's words. What
   * the checker reports is a possible deadlock from the order alone; {@link #explore} says whether
   * an order reaches it.
   */
  public static List<String> lockOrder(List<Task> tasks) {
    LockGraph g = new LockGraph();
    List<String> out = new ArrayList<>();
    long time = 0;
    for (int t = 0; t < tasks.size(); t++) {
      List<LockGraph.Report> reps = new ArrayList<>();
      for (HotplugOp op : tasks.get(t).path()) {
        time++;
        if (op instanceof HotplugOp.MutexLock l)
          reps.addAll(g.acquire(t, l.mutex(), LockMode.WRITE, false, l.site(), time));
        else if (op instanceof HotplugOp.MutexUnlock u) reps.addAll(g.release(t, u.mutex(), time));
        else if (op instanceof HotplugOp.GetOnlineCpus) {
          reps.addAll(
              g.acquire(t, "cpu_hotplug_lock", LockMode.RECURSIVE_READ, false, op.site(), time));
        } else if (op instanceof HotplugOp.PutOnlineCpus) {
          reps.addAll(g.release(t, "cpu_hotplug_lock", time));
        } else if (op instanceof HotplugOp.CpuHotplugBegin)
          reps.addAll(g.acquire(t, "cpu_hotplug_lock", LockMode.WRITE, false, op.site(), time));
        else if (op instanceof HotplugOp.CpuHotplugDone)
          reps.addAll(g.release(t, "cpu_hotplug_lock", time));
      }
      for (LockGraph.Report r : reps)
        out.add(Lockdep.describe(r, i -> i >= 0 && i < tasks.size() ? tasks.get(i).name() : "?"));
    }
    return out;
  }
}
