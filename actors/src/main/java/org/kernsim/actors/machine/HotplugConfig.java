package org.kernsim.actors.machine;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.engine.Latency;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Durations;

/**
 * CPU hotplug in a run: which kernel's hotplug code ({@code hotplug.kernel}), its latencies, and
 * the fault plan ({@code faults.hotplug.*}) that takes CPUs offline and brings them back, at given
 * times or at random from the hotplug entity's own random stream (so a run replays from its seed).
 * The hotplug entities exist only when the plan has something to do: a run without hotplug has the
 * same entities, events and {@code traceSha256} as before hotplug existed.
 *
 * @param kernel the version of {@code kernel/cpu.c} and of the models' hotplug callbacks
 * @param plan the fixed events of {@code faults.hotplug.plan}, in time order
 * @param rate random {@code cpu_down()}s per second of virtual time, machine-wide
 * @param downtime how long a randomly offlined CPU stays offline
 * @param bringup {@code __cpu_up()}: from kicking the AP to the AP being online and idle
 * @param die from the dying CPU leaving {@code stop_machine} to {@code __cpu_die()} returning
 */
public record HotplugConfig(
    Kernel kernel,
    List<PlanEntry> plan,
    double rate,
    Latency downtime,
    Latency bringup,
    Latency die) {

  /** The versions of the CPU-hotplug code a run can follow, each one kernel version whole. */
  public enum Kernel {
    /**
     * Linux v3.8 (read from v3.8.3): CPU notifiers ({@code CPU_DOWN_PREPARE}, {@code CPU_DYING},
     * {@code CPU_DEAD}), {@code get_online_cpus()} refcount, tasks migrated in {@code CPU_DYING};
     * workqueue's {@code gcwq_unbind_fn()}, before commit eb2834285cf1.
     */
    V3_8("v3.8"),
    /**
     * Linux v3.9 (read from v3.9.6): as v3.8, the stopper parked in {@code take_cpu_down()}, and
     * workqueue's {@code wq_unbind_fn()} with eb2834285cf1 ("workqueue: fix possible pool stall bug
     * in wq_unbind_fn()", merged in the v3.9 merge window).
     */
    V3_9("v3.9"),
    /**
     * The mainline kernel seed 001 (May 2026) applies to: the cpuhp state machine with per-CPU
     * hotplug threads, the percpu-rwsem {@code cpu_hotplug_lock}, {@code balance_push}, workqueue's
     * {@code unbind_workers()}/{@code rebind_workers()}.
     */
    V2026("mainline-2026");

    private final String key;

    Kernel(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }

    /** The notifier era (v3.8, v3.9), before the cpuhp state machine (v4.6-v4.10). */
    public boolean notifiers() {
      return this != V2026;
    }

    public static Kernel of(String key) {
      for (Kernel k : values()) if (k.key.equals(key)) return k;
      throw new IllegalArgumentException("unknown hotplug kernel " + key);
    }

    public static List<String> keys() {
      List<String> out = new ArrayList<>();
      for (Kernel k : values()) out.add(k.key);
      return out;
    }
  }

  /** One fixed event of the plan: at {@code at}, CPU {@code cpu} goes {@code up} or down. */
  public record PlanEntry(long at, int cpu, boolean up) {}

  public static final HotplugConfig NONE =
      new HotplugConfig(
          Kernel.V2026,
          List.of(),
          0,
          Latency.fixed(1_000_000),
          Latency.fixed(1_000_000),
          Latency.fixed(10_000));

  /** Whether the run hotplugs CPUs at all (and so has the hotplug entities). */
  public boolean enabled() {
    return !plan.isEmpty() || rate > 0;
  }

  /**
   * Parses {@code faults.hotplug.plan}: comma-separated {@code TIME down CPU} / {@code TIME up
   * CPU}, e.g. {@code 300ms down 1, 350ms up 1}; sorted by time (stable).
   *
   * @throws BadInputException naming the entry and what is wrong with it
   */
  public static List<PlanEntry> parsePlan(String text, int cpus) {
    List<PlanEntry> out = new ArrayList<>();
    if (text == null || text.isBlank()) return out;
    for (String raw : text.split(",")) {
      String e = raw.trim();
      if (e.isEmpty()) continue;
      String[] f = e.split("\\s+");
      if (f.length != 3 || !(f[1].equals("down") || f[1].equals("up"))) {
        throw new BadInputException(
            "faults.hotplug.plan: '" + e + "': expected 'TIME down CPU' or 'TIME up CPU'");
      }
      long at;
      try {
        at = Durations.parse(f[0]);
      } catch (IllegalArgumentException x) {
        throw new BadInputException("faults.hotplug.plan: '" + e + "': " + x.getMessage());
      }
      int cpu;
      try {
        cpu = Integer.parseInt(f[2]);
      } catch (NumberFormatException x) {
        throw new BadInputException("faults.hotplug.plan: '" + e + "': CPU is not a number");
      }
      if (cpu < 0 || cpu >= cpus) {
        throw new BadInputException(
            "faults.hotplug.plan: '"
                + e
                + "': CPU "
                + cpu
                + " does not exist (machine.cpus = "
                + cpus
                + ")");
      }
      out.add(new PlanEntry(Math.max(1, at), cpu, f[1].equals("up")));
    }
    out.sort(java.util.Comparator.comparingLong(PlanEntry::at));
    return List.copyOf(out);
  }
}
