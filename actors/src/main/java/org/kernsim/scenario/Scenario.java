package org.kernsim.scenario;

import org.kernsim.engine.Simulation;

/**
 * A loaded scenario: where it came from, its model and its effective settings.
 *
 * @param source the file path, or {@code builtin:NAME}
 */
public record Scenario(String name, String source, ModelFactory model, Settings settings) {

  public Simulation build() {
    return model.build(settings);
  }

  /** The virtual-time limit ({@code scenario.until}). */
  public long until() {
    return settings.nanos("scenario.until");
  }
}
