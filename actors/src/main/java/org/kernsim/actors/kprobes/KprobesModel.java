package org.kernsim.actors.kprobes;

import java.util.List;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.Simulation;
import org.kernsim.scenario.ModelFactory;
import org.kernsim.scenario.Setting;
import org.kernsim.scenario.Settings;

/**
 * The kprobes jump-optimisation model of the seed "kprobes: Support delayed unoptimizing"
 * (6274de4984a6, Dec 2010) and its batching follow-ups, with the kernel before the seed as the
 * {@code kprobes.unoptimize=immediate} variant. See {@code docs/kprobes.md}.
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
    return new KprobesSim(cfg, Machine.latencies(settings), numa);
  }
}
