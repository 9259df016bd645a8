package org.kernsim.actors.kprobes;

import java.util.List;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.Simulation;
import org.kernsim.scenario.ModelFactory;
import org.kernsim.scenario.Setting;
import org.kernsim.scenario.Settings;

/**
 * The kprobes jump-optimisation model: the kernel of the seed "kprobes: Support delayed
 * unoptimizing" (6274de4984a6, Dec 2010, released with its batching follow-ups in v2.6.38) and the
 * kernels before it (v2.6.36, v2.6.37), one {@code kprobes.kernel} value each. See {@code
 * docs/kprobes.md}.
 */
public final class KprobesModel implements ModelFactory {

  @Override
  public String name() {
    return "kprobes";
  }

  @Override
  public String description() {
    return "kprobes optimizer (seed 000): delayed unoptimizing, stop_machine as a phased barrier, RCU grace periods";
  }

  @Override
  public List<String> shrinkable() {
    return List.of(
        "machine.cpus",
        "kprobes.probes",
        "kprobes.workload.hits-per-section",
        "kprobes.other-work.items");
  }

  @Override
  public List<Setting> settings() {
    return KprobesConfig.settings();
  }

  @Override
  public Simulation build(Settings settings) {
    KprobesConfig cfg = KprobesConfig.from(settings);
    int numa = settings.intValue("machine.numa-nodes");
    if (numa > cfg.cpus()) {
      throw new org.kernsim.scenario.BadInputException(
          "machine.numa-nodes (" + numa + ") cannot exceed machine.cpus (" + cfg.cpus() + ")");
    }
    Machine.Latencies lat = Machine.latencies(settings);
    // A write published by the kprobe manager reaches every CPU's view in two lock hops (manager ->
    // CodeMemory -> CPU). The model relies on every grace period being longer than that: a CPU that
    // passed a quiescent state has seen every text write made before the grace period started.
    long visible = 2 * max(lat.lock());
    if (lat.gpDelay().min() <= visible) {
      throw new org.kernsim.scenario.BadInputException(
          "rcu.gp-delay must be longer than 2 x latency.lock ("
              + org.kernsim.scenario.Durations.format(visible)
              + "): the kprobes model publishes text writes to the CPUs in two "
              + "lock hops and assumes a grace period cannot end before every CPU has seen them");
    }
    KprobesSim sim = new KprobesSim(cfg, lat, numa);
    sim.machine()
        .placeAndTime(Machine.placement(settings), Machine.timers(settings))
        .interrupts(Machine.irqLoad(settings));
    return sim;
  }

  static long max(org.kernsim.engine.Latency l) {
    if (l instanceof org.kernsim.engine.Latency.Fixed f) return f.nanos();
    if (l instanceof org.kernsim.engine.Latency.Uniform u) return u.hi();
    return ((org.kernsim.engine.Latency.LogNormal) l).hi();
  }
}
