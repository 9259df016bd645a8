package org.kernsim.run;

import org.kernsim.engine.Simulation;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;
import org.kernsim.scenario.Settings;

/**
 * The heap a run needs, estimated from its layout before it starts (CPUs, kworker slots, probes,
 * entities, PHOLD's events in flight), so that a run that cannot fit is refused with one line
 * instead of dying, minutes later, of an exhausted heap.
 *
 * <p>The coefficients are measured, not guessed: the live heap after a full collection, forced
 * every 2 s during whole runs of each built-in model at two or three sizes on both drivers (the
 * method, the commands and the figures are in {@code docs/performance.md}, "Memory estimate"). Each
 * coefficient is the smallest per-unit figure measured (the lines were fitted through the
 * measurements and rounded down), so the estimate is a floor of what the run holds live: a run
 * refused by it cannot fit, and a run that passes may still end with the heap watch's exit 5 when
 * it needs more than the floor. Settings the estimate does not read (workload sizes, scripts,
 * faults) add to the floor, not to the estimate.
 */
public final class MemoryEstimate {
  private MemoryEstimate() {}

  static final long KB = 1024;
  static final long MB = 1024 * KB;

  /** The JVM, the loaded classes, the scenario and the engine (intercepts of the fits). */
  static final long BASE = 5 * MB;

  /** A Pekko actor per entity on the actor driver: cell, mailbox, behaviour, ref. */
  static final long ACTOR_PER_ENTITY = 300;

  /**
   * An entity made on demand ({@link Simulation#startsIdle}: kworker slots) that has not been
   * needed yet has no actor: on the actor driver it costs its partition's per-entity arrays (its
   * ref's slot, its id, and the three ints of the partition's {@code WindowSlices}), counted, not
   * measured. What it costs once made is in its model's per-CPU figure.
   */
  static final long ON_DEMAND_PER_ENTITY = 20;

  /** Per simulated CPU of each model on the sequential driver, all its entities included. */
  static final long MACHINE_PER_CPU = 2 * KB;

  static final long KPROBES_PER_CPU = 8 * KB;

  /**
   * Per probe ({@code kprobes.probes}): the probe, its aggregator and detour, the table, and the
   * CPUs' views of it. The views are shared per publication ({@code CpuCodeView.Version}): a CPU
   * holds a reference to the version it has applied, so nothing is kept per CPU and probe (it was
   * 47 bytes per CPU and probe, each CPU with a view of its own; measured flat since: 35 MB at 64
   * and 256 CPUs, 37 MB at 1,024, with 20,000 probes).
   */
  static final long KPROBES_PER_PROBE = 512;

  static final long WORKQUEUE_PER_CPU = 14 * KB;

  /** Per PHOLD entity, and per PHOLD event in flight ({@code phold.population} each). */
  static final long PHOLD_PER_ENTITY = 200;

  static final long PHOLD_PER_EVENT = 64;

  /**
   * The estimate for one run of {@code scenario} (built as {@code sim}).
   *
   * @param actors true for the actor driver (an actor per entity), false for the sequential one
   * @param share the part of the entities this JVM hosts (1 on one node, 1/N on N nodes)
   */
  public static Estimate of(Scenario scenario, Simulation sim, boolean actors, double share) {
    Settings s = scenario.settings();
    String model = scenario.model().name();
    long entities = sim.entityCount();
    long cpus = s.has("machine.cpus") ? s.intValue("machine.cpus") : 0;
    long onDemand = 0;
    if (actors) for (int id = 0; id < entities; id++) if (sim.startsIdle(id)) onDemand++;
    long bytes =
        actors ? (entities - onDemand) * ACTOR_PER_ENTITY + onDemand * ON_DEMAND_PER_ENTITY : 0;
    StringBuilder asked = new StringBuilder();
    switch (model) {
      case "machine" -> bytes += cpus * MACHINE_PER_CPU;
      case "kprobes" -> {
        long probes = s.intValue("kprobes.probes");
        bytes += cpus * KPROBES_PER_CPU + probes * KPROBES_PER_PROBE;
        asked.append(", kprobes.probes=").append(probes);
      }
      case "workqueue" -> bytes += cpus * WORKQUEUE_PER_CPU;
      case "phold" -> {
        long population = s.intValue("phold.population");
        bytes += entities * (PHOLD_PER_ENTITY + population * PHOLD_PER_EVENT);
        asked.append(", phold.population=").append(population);
      }
      default -> {
        // a model without measured coefficients: its actors only
      }
    }
    String what =
        scenario.name()
            + (cpus > 0 ? " with machine.cpus=" + cpus : "")
            + asked
            + " ("
            + String.format("%,d", entities)
            + " entities, "
            + (actors ? "actor" : "sequential")
            + " driver"
            + (share < 1 ? ", " + Math.round(1 / share) + " nodes" : "")
            + ")";
    return new Estimate(what, BASE + (long) (bytes * share));
  }

  /**
   * An estimate: what was asked and the bytes it needs.
   *
   * @param asked the scenario and the layout figures the estimate read
   */
  public record Estimate(String asked, long bytes) {

    /** Refuses the run (exit 2, one line) when the estimate exceeds {@code heapBytes}. */
    public void check(long heapBytes) {
      if (bytes > heapBytes) throw new BadInputException(refusal(heapBytes));
    }

    /** The one line: what was asked, the estimate, the heap. */
    public String refusal(long heapBytes) {
      return asked
          + " needs an estimated "
          + mib(bytes)
          + " of heap, more than this JVM's "
          + mib(heapBytes)
          + " (Runtime.maxMemory); give it more (KERNSIM_JAVA_OPTS=-Xmx"
          + Math.max(1, (bytes * 3 / 2 + 1023 * MB) / (1024 * MB))
          + "g ./kernsim ...) or make the scenario smaller";
    }
  }

  static String mib(long bytes) {
    return String.format("%,d MiB", (bytes + MB - 1) / MB);
  }
}
