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
    if (f != org.kernsim.engine.LinkFaults.NONE)
      sim = org.kernsim.engine.Simulations.withFaults(sim, f);
    long off = livenessAt();
    if (off >= 0)
      sim = org.kernsim.engine.Simulations.withLiveness(sim, off, settings.nanos("liveness.bound"));
    return sim;
  }

  /** When the liveness phase starts ({@code liveness.faults-off-at}), or -1 for none. */
  public long livenessAt() {
    if (!settings.has("liveness.faults-off-at")) return -1;
    String t = settings.text("liveness.faults-off-at").trim();
    if (t.equals("off")) return -1;
    long at;
    try {
      at = Durations.parse(t);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(
          "liveness.faults-off-at "
              + Quote.value(t)
              + ": expected a duration such as 300s, or off");
    }
    long deadline = at + settings.nanos("liveness.bound");
    if (deadline > until())
      throw new BadInputException(
          "liveness.faults-off-at "
              + t
              + " + liveness.bound is after scenario.until ("
              + Durations.format(until())
              + "): the run would end before the liveness phase could be judged");
    return at;
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
