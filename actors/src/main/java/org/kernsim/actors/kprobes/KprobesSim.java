package org.kernsim.actors.kprobes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.actors.machine.Layout;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.Checker;
import org.kernsim.engine.Entity;
import org.kernsim.engine.Metrics;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.TimelineSpec;

/**
 * A built kprobes simulation: the machine (CPUs, stop_machine, RCU), then the kprobe manager,
 * CodeMemory, the optimizer's task, the admin task and one workload task per CPU.
 */
final class KprobesSim implements Simulation {
  private final KprobesConfig cfg;
  private final Layout layout;
  private final Machine machine;
  private final int manager;
  private final int codeMemory;
  private final int optimizer;
  private final int admin;
  private final int workloadBase;

  KprobesSim(KprobesConfig cfg, Machine.Latencies latencies, int numaNodes) {
    this.cfg = cfg;
    this.layout = new Layout(cfg.cpus());
    this.machine = new Machine(cfg.cpus(), numaNodes, latencies, layout);
    this.manager = layout.add(1, i -> "kprobe_manager", i -> 0);
    this.codeMemory = layout.add(1, i -> "code_memory", i -> 0);
    int optCpu = cfg.optimizerCpu();
    String optName = cfg.dedicatedOptimizer() ? "kprobe-optimizer" : "kworker/" + optCpu + ":1";
    this.optimizer = layout.add(1, i -> optName, i -> optCpu);
    int adminCpu = cfg.adminCpu();
    this.admin = layout.add(1, i -> "admin", i -> adminCpu);
    this.workloadBase = layout.add(cfg.cpus(), i -> "workload/" + i, i -> i);
  }

  KprobesConfig config() {
    return cfg;
  }

  Machine machine() {
    return machine;
  }

  int manager() {
    return manager;
  }

  int codeMemory() {
    return codeMemory;
  }

  int optimizerHost() {
    return optimizer;
  }

  int admin() {
    return admin;
  }

  int workload(int cpu) {
    return workloadBase + cpu;
  }

  @Override
  public String model() {
    return "kprobes";
  }

  @Override
  public int entityCount() {
    return layout.size();
  }

  @Override
  public Entity createEntity(int id) {
    Entity e = machine.create(id);
    if (e != null) return e;
    if (id == manager) return new KprobeManager(this);
    if (id == codeMemory) return new CodeMemory(this);
    if (id == optimizer) return new OptimizerWorker(this, cfg.optimizerCpu());
    if (id == admin) return new AdminTask(this, cfg.adminCpu());
    if (id >= workloadBase && id < workloadBase + cfg.cpus()) return new ProbeWorkload(this, id - workloadBase);
    throw new IllegalArgumentException("no entity " + id);
  }

  @Override
  public String entityName(int id) {
    return layout.name(id);
  }

  @Override
  public int placementKey(int id) {
    return layout.placementKey(id);
  }

  @Override
  public int placementKeys() {
    return layout.placementKeys();
  }

  @Override
  public long lookahead() {
    return machine.latencies().min();
  }

  @Override
  public List<Checker> checkers() {
    return List.of(
        new Checkers.K5JumpOnlyAfterGracePeriod(),
        new Checkers.K6NoDetourFreedWhileInUse(),
        new Checkers.NoHalfPatchedCodeObserved(),
        new Checkers.AdminScriptCompletes(),
        new Checkers.UnregisterCost());
  }

  @Override
  public Map<String, Object> metrics(Metrics merged, List<Checker> checkers) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Long> c = merged.counters();
    for (String k : List.of("stopMachineCount", "stopMachineStallNanos", "probeHitsInt3", "probeHitsJump", "optimizerPasses")) {
      out.put(k, c.getOrDefault(k, 0L));
    }
    out.putAll(c);
    for (Checker ch : checkers) ch.contribute(out);
    return out;
  }

  @Override
  public TimelineSpec timeline() {
    return KprobesTimeline.spec(this);
  }
}
