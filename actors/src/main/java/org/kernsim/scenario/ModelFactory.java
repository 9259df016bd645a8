package org.kernsim.scenario;

import java.util.List;
import org.kernsim.engine.Simulation;

/** A simulated mechanism: its settings and how to build a runnable {@link Simulation} from them. */
public interface ModelFactory {

  /** The value of {@code scenario.model} that selects this model. */
  String name();

  String description();

  /** The model's settings (keys such as {@code machine.cpus}, {@code workqueue.kick}). */
  List<Setting> settings();

  /**
   * Settings a shrinker may lower to find a smaller scenario that still violates (machine size,
   * workload sizes, fault rates...). The engine adds the fault plan's probabilities and rates.
   */
  default List<String> shrinkable() {
    return List.of();
  }

  /** Builds the simulation; deterministic in {@code settings} (every node builds the same one). */
  Simulation build(Settings settings);
}
