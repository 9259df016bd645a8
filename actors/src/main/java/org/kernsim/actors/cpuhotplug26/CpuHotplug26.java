package org.kernsim.actors.cpuhotplug26;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The locks of CPU hotplug in v2.6.36, v2.6.37 and v2.6.38 (the three trees read are the same for
 * everything here; line numbers are v2.6.38's): {@code cpu_add_remove_lock} ({@code
 * cpu_maps_update_begin()}), the {@code cpu_hotplug} structure of {@code kernel/cpu.c}:46-58 (a
 * mutex, a reader {@code refcount}, the {@code active_writer}), {@code text_mutex}, {@code smp_alt}
 * and {@code smp_mode} of {@code arch/x86/kernel/alternative.c}, {@code stop_cpus_mutex}, and the
 * two views of the CPUs stop_machine reads ({@code cpu_online_mask}, each stopper's {@code
 * enabled}). Plain logic: {@link #step} executes one {@link HotplugOp} of one task, or says why the
 * task cannot (it waits, and for whom).
 *
 * <p>What the hotplug lock of this era is, exactly: a reader ({@code get_online_cpus()}) takes the
 * mutex only to raise {@code refcount}, so it waits only while a writer holds the mutex; the writer
 * ({@code cpu_hotplug_begin()}) keeps the mutex only once {@code refcount} is 0, and holds it for
 * the whole operation, so every new reader waits for the end of the operation. A reader never waits
 * for a writer that merely waits (no writer preference before the percpu rwsem of v4.13): taking
 * {@code get_online_cpus()} again while holding a reference never blocks.
 *
 * <p>Copyable ({@link #copy}) so that {@link Sm3Interleavings} can explore every order.
 */
public final class CpuHotplug26 {

  /** Names of the mutexes, as the kernel spells them (and as the lock-order checker sees them). */
  public static final String CPU_ADD_REMOVE_LOCK = "cpu_add_remove_lock";

  public static final String CPU_HOTPLUG_LOCK = "cpu_hotplug.lock";
  public static final String TEXT_MUTEX = "text_mutex";
  public static final String SMP_ALT = "smp_alt";
  public static final String STOP_CPUS_MUTEX = "stop_cpus_mutex";
  public static final String KPROBE_MUTEX = "kprobe_mutex";
  public static final String MODULE_MUTEX = "module_mutex";

  /** What a step did. */
  public sealed interface Outcome permits Done, Waits, Hangs {}

  /** The step was carried out; the task's next step is {@code pc + 1 + skip}. */
  public record Done(int skip) implements Outcome {}

  /**
   * The task cannot go on: it waits for {@code what}, which {@code holders} (task indexes) hold; an
   * empty list of holders means nobody can release it.
   */
  public record Waits(String what, List<Integer> holders) implements Outcome {}

  /**
   * {@code __stop_cpus()} queued the stop on fewer running stoppers than {@code num_threads}: the
   * barrier never advances and those CPUs spin in {@code stop_machine_cpu_stop()} for ever.
   */
  public record Hangs(String why) implements Outcome {}

  private final int cpus;
  private final Map<String, Integer> owners = new TreeMap<>();
  private int activeWriter = -1;
  private int refcount;
  private int[] refsByTask;
  private boolean[] online;
  private boolean[] stopperEnabled;
  private int smpMode;
  private int[] numThreads;

  /**
   * {@code cpus} possible CPUs, the first {@code onlineCpus} of them online with their stopper
   * enabled; {@code tasks} tasks. {@code smp_mode} as {@code alternative_instructions()} leaves it
   * (alternative.c:494-502): 1, or 0 when only one CPU is up (the later {@code
   * alternatives_smp_switch()} keep it in step with the number of online CPUs).
   */
  public CpuHotplug26(int cpus, int onlineCpus, int tasks) {
    if (onlineCpus < 1 || onlineCpus > cpus)
      throw new IllegalArgumentException("online CPUs " + onlineCpus + " of " + cpus);
    this.cpus = cpus;
    this.online = new boolean[cpus];
    this.stopperEnabled = new boolean[cpus];
    for (int c = 0; c < onlineCpus; c++) online[c] = stopperEnabled[c] = true;
    this.smpMode = onlineCpus > 1 ? 1 : 0;
    this.refsByTask = new int[tasks];
    this.numThreads = new int[tasks];
  }

  /** A deep copy. */
  public CpuHotplug26 copy() {
    CpuHotplug26 c = new CpuHotplug26(cpus, 1, refsByTask.length);
    c.owners.putAll(owners);
    c.activeWriter = activeWriter;
    c.refcount = refcount;
    c.refsByTask = refsByTask.clone();
    c.online = online.clone();
    c.stopperEnabled = stopperEnabled.clone();
    c.smpMode = smpMode;
    c.numThreads = numThreads.clone();
    return c;
  }

  /** {@code num_online_cpus()}. */
  public int numOnlineCpus() {
    int n = 0;
    for (boolean b : online) if (b) n++;
    return n;
  }

  /** {@code cpu_hotplug.refcount}. */
  public int refcount() {
    return refcount;
  }

  /** {@code cpu_hotplug.active_writer} (a task index, or -1). */
  public int activeWriter() {
    return activeWriter;
  }

  /** {@code smp_mode}. */
  public int smpMode() {
    return smpMode;
  }

  /** The references task {@code task} holds on {@code cpu_hotplug.refcount}. */
  public int refs(int task) {
    return task >= 0 && task < refsByTask.length ? refsByTask[task] : 0;
  }

  /** Whether CPU {@code cpu} is in {@code cpu_online_mask}. */
  public boolean online(int cpu) {
    return online[cpu];
  }

  /**
   * What task {@code task} holds, as the kernel names it: the mutexes it owns (in the order the
   * paths take them), {@code cpu_hotplug.lock (active_writer)} for the writer, and {@code
   * get_online_cpus() x N} for a reader's references.
   */
  public List<String> held(int task) {
    List<String> out = new ArrayList<>();
    for (String m :
        List.of(
            MODULE_MUTEX,
            KPROBE_MUTEX,
            CPU_ADD_REMOVE_LOCK,
            CPU_HOTPLUG_LOCK,
            SMP_ALT,
            TEXT_MUTEX,
            STOP_CPUS_MUTEX))
      if (owner(m) == task)
        out.add(m.equals(CPU_HOTPLUG_LOCK) && activeWriter == task ? m + " (active_writer)" : m);
    int r = refs(task);
    if (r > 0) out.add("get_online_cpus()" + (r > 1 ? " x " + r : ""));
    return out;
  }

  /**
   * A wait cycle through {@code start}: {@code waitsFor} maps each waiting task to the tasks that
   * hold what it waits for (a mutex's owner; for {@code cpu_hotplug_begin()}, every reader with a
   * reference, each of which the writer needs). Returns the tasks of a cycle from {@code start}
   * back to it (each waits for the next, the last for {@code start}), or an empty list: then some
   * holder on every path is not waiting here and may release.
   */
  public static List<Integer> waitCycle(int start, Map<Integer, List<Integer>> waitsFor) {
    List<Integer> path = new ArrayList<>();
    return cycleFrom(start, start, waitsFor, path, new java.util.HashSet<>()) ? path : List.of();
  }

  private static boolean cycleFrom(
      int start,
      int t,
      Map<Integer, List<Integer>> waitsFor,
      List<Integer> path,
      java.util.Set<Integer> seen) {
    List<Integer> holders = waitsFor.get(t);
    if (holders == null || !seen.add(t)) return false;
    path.add(t);
    for (int h : holders) {
      if (h == start) return true;
      if (cycleFrom(start, h, waitsFor, path, seen)) return true;
    }
    path.remove(path.size() - 1);
    return false;
  }

  /** The task that owns {@code mutex}, or -1. */
  public int owner(String mutex) {
    return owners.getOrDefault(mutex, -1);
  }

  /** Executes {@code op} for task {@code task}, or says why it cannot. */
  public Outcome step(int task, HotplugOp op) {
    if (op instanceof HotplugOp.MutexLock l) return mutexLock(task, l.mutex());
    if (op instanceof HotplugOp.MutexUnlock u) {
      mutexUnlock(task, u.mutex());
      return new Done(0);
    }
    if (op instanceof HotplugOp.GetOnlineCpus) return getOnlineCpus(task);
    if (op instanceof HotplugOp.PutOnlineCpus) return putOnlineCpus(task);
    if (op instanceof HotplugOp.CpuHotplugBegin) return cpuHotplugBegin(task);
    if (op instanceof HotplugOp.CpuHotplugDone) {
      cpuHotplugDone(task);
      return new Done(0);
    }
    if (op instanceof HotplugOp.ReadNumThreads) {
      numThreads[task] = numOnlineCpus();
      return new Done(0);
    }
    if (op instanceof HotplugOp.StopCpus) return stopCpus(task);
    if (op instanceof HotplugOp.TakeCpuDown t) {
      if (!online[t.cpu()]) throw new IllegalStateException("take_cpu_down of offline " + t.cpu());
      online[t.cpu()] = false;
      return new Done(0);
    }
    if (op instanceof HotplugOp.SetCpuOnline s) {
      online[s.cpu()] = true;
      return new Done(0);
    }
    if (op instanceof HotplugOp.StopperEnabled s) {
      stopperEnabled[s.cpu()] = s.enabled();
      return new Done(0);
    }
    if (op instanceof HotplugOp.SkipIfSmpMode s) {
      if (owner(SMP_ALT) != task)
        throw new IllegalStateException("smp_mode read without smp_alt by task " + task);
      return new Done(s.smp() == smpMode ? s.skip() : 0);
    }
    if (op instanceof HotplugOp.SetSmpMode s) {
      if (owner(SMP_ALT) != task)
        throw new IllegalStateException("smp_mode written without smp_alt by task " + task);
      smpMode = s.smp();
      return new Done(0);
    }
    throw new IllegalArgumentException("unknown op " + op);
  }

  /** {@code mutex_lock()}; a mutex is not recursive: taking it again is a self-deadlock. */
  Outcome mutexLock(int task, String mutex) {
    int o = owner(mutex);
    if (o < 0) {
      owners.put(mutex, task);
      return new Done(0);
    }
    return new Waits(mutex, List.of(o));
  }

  void mutexUnlock(int task, String mutex) {
    if (owner(mutex) != task)
      throw new IllegalStateException("task " + task + " unlocks " + mutex + " it does not own");
    owners.remove(mutex);
  }

  /** {@code get_online_cpus()}, cpu.c:60-69. */
  Outcome getOnlineCpus(int task) {
    if (activeWriter == task) return new Done(0);
    Outcome o = mutexLock(task, CPU_HOTPLUG_LOCK);
    if (o instanceof Waits w) return w;
    refcount++;
    refsByTask[task]++;
    mutexUnlock(task, CPU_HOTPLUG_LOCK);
    return new Done(0);
  }

  /** {@code put_online_cpus()}, cpu.c:72-81. */
  Outcome putOnlineCpus(int task) {
    if (activeWriter == task) return new Done(0);
    Outcome o = mutexLock(task, CPU_HOTPLUG_LOCK);
    if (o instanceof Waits w) return w;
    if (refsByTask[task] == 0)
      throw new IllegalStateException("put_online_cpus without a reference by task " + task);
    refcount--;
    refsByTask[task]--;
    // if (!--refcount && active_writer) wake_up_process(active_writer): the writer re-checks
    mutexUnlock(task, CPU_HOTPLUG_LOCK);
    return new Done(0);
  }

  /**
   * {@code cpu_hotplug_begin()}, cpu.c:106-118: the writer keeps {@code cpu_hotplug.lock} only when
   * {@code refcount} is 0; otherwise it unlocks and sleeps until the last reader's {@code
   * put_online_cpus()} wakes it (the wait is on the readers that hold references).
   */
  Outcome cpuHotplugBegin(int task) {
    activeWriter = task;
    int o = owner(CPU_HOTPLUG_LOCK);
    if (o >= 0) return new Waits(CPU_HOTPLUG_LOCK, List.of(o));
    if (refcount > 0) {
      List<Integer> readers = new ArrayList<>();
      for (int t = 0; t < refsByTask.length; t++) if (refsByTask[t] > 0) readers.add(t);
      return new Waits("cpu_hotplug.refcount == 0 (refcount " + refcount + ")", readers);
    }
    owners.put(CPU_HOTPLUG_LOCK, task);
    return new Done(0);
  }

  /** {@code cpu_hotplug_done()}, cpu.c:120-124. */
  void cpuHotplugDone(int task) {
    if (activeWriter != task) throw new IllegalStateException("not the active writer: " + task);
    activeWriter = -1;
    mutexUnlock(task, CPU_HOTPLUG_LOCK);
  }

  /**
   * {@code __stop_cpus(cpu_online_mask, ...)} with {@code stop_cpus_mutex} held: the stoppers that
   * run are those of the CPUs online now whose stopper is enabled; {@code num_threads} is what the
   * caller read before it got the mutex.
   */
  Outcome stopCpus(int task) {
    if (owner(STOP_CPUS_MUTEX) != task)
      throw new IllegalStateException("__stop_cpus without stop_cpus_mutex by task " + task);
    int runners = 0;
    List<Integer> onlineParked = new ArrayList<>();
    for (int c = 0; c < cpus; c++) {
      if (!online[c]) continue;
      if (stopperEnabled[c]) runners++;
      else onlineParked.add(c);
    }
    if (runners < numThreads[task]) {
      return new Hangs(
          runners
              + " stopper(s) run stop_machine_cpu_stop() but num_threads = "
              + numThreads[task]
              + " (num_online_cpus() when __stop_machine() was called): the last ack_state() never"
              + " comes, the stoppers spin for ever"
              + (onlineParked.isEmpty()
                  ? ""
                  : "; online CPU(s) whose stopper is not enabled yet (CPU_ONLINE not run): "
                      + onlineParked));
    }
    return new Done(0);
  }

  /** The state, as a key for the explorer. */
  String key() {
    return owners
        + "|"
        + activeWriter
        + "|"
        + Arrays.toString(refsByTask)
        + "|"
        + Arrays.toString(online)
        + Arrays.toString(stopperEnabled)
        + "|"
        + smpMode
        + "|"
        + Arrays.toString(numThreads);
  }
}
