package org.kernsim.engine.cluster;

import java.util.Map;
import org.kernsim.engine.Simulation;

/**
 * How a node engine builds the simulation a run asks it to host, from the model's name and every
 * effective setting (as the driver sent them). Given from above the engine, which knows no model.
 */
@FunctionalInterface
public interface SimulationSource {
  /**
   * @throws RuntimeException when the model is unknown here or the settings do not build
   */
  Simulation build(String model, Map<String, String> settings);
}
