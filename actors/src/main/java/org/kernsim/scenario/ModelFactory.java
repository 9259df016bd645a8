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

  /** Builds the simulation; deterministic in {@code settings} (every node builds the same one). */
  Simulation build(Settings settings);
}
