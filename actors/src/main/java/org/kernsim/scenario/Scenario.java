package org.kernsim.scenario;

import org.kernsim.engine.Simulation;

/**
 * A loaded scenario: where it came from, its model and its effective settings.
 *
 * @param source the file path, or {@code builtin:NAME}
 */
public record Scenario(String name, String source, ModelFactory model, Settings settings) {

  /** Builds the model's simulation, with the scenario's fault plan applied to its messages. */
  public Simulation build() {
    Simulation sim = model.build(settings);
    org.kernsim.engine.LinkFaults f = faults();
    return f == org.kernsim.engine.LinkFaults.NONE
        ? sim
        : org.kernsim.engine.Simulations.withFaults(sim, f);
  }

  /** The run's message fault plan ({@code faults.*}), or {@code LinkFaults.NONE}. */
  public org.kernsim.engine.LinkFaults faults() {
    org.kernsim.engine.FaultPlan plan;
    try {
      plan =
          new org.kernsim.engine.FaultPlan(
              settings.number("faults.delay.probability"),
              settings.latency("faults.delay.extra"),
              settings.text("faults.delay.types"),
              settings.number("faults.drop.probability"),
              settings.text("faults.drop.types"));
    } catch (IllegalArgumentException e) {
      throw new BadInputException("faults: " + e.getMessage());
    }
    return plan.active() ? plan : org.kernsim.engine.LinkFaults.NONE;
  }

  /** The virtual-time limit ({@code scenario.until}). */
  public long until() {
    return settings.nanos("scenario.until");
  }
}
