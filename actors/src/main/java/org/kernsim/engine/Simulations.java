package org.kernsim.engine;

import java.util.List;
import java.util.Map;

/** Wrappers around a {@link Simulation}. */
public final class Simulations {
  private Simulations() {}

  /**
   * The run's {@code metrics} object: the model's, plus the engine's own counters of injected
   * faults ({@code faults*}) whenever a fault plan did something.
   */
  public static Map<String, Object> report(Simulation sim, Metrics merged, List<Checker> checkers) {
    Map<String, Object> out = new java.util.LinkedHashMap<>(sim.metrics(merged, checkers));
    merged
        .counters()
        .forEach(
            (k, v) -> {
              if (k.startsWith("faults") && v != 0) out.putIfAbsent(k, v);
            });
    return out;
  }

  /**
   * {@code sim} with {@code faults} applied to its messages (composed with the model's own, if
   * any).
   */
  public static Simulation withFaults(Simulation sim, LinkFaults faults) {
    LinkFaults own = sim.faults();
    LinkFaults all =
        own == LinkFaults.NONE
            ? faults
            : (src, dst, msg, now, r) -> {
              long a = own.extraDelay(src, dst, msg, now, r);
              if (a < 0) return a;
              long b = faults.extraDelay(src, dst, msg, now, r);
              return b < 0 ? b : a + b;
            };
    return new Simulation() {
      @Override
      public String model() {
        return sim.model();
      }

      @Override
      public int entityCount() {
        return sim.entityCount();
      }

      @Override
      public Entity createEntity(int id) {
        return sim.createEntity(id);
      }

      @Override
      public String entityName(int id) {
        return sim.entityName(id);
      }

      @Override
      public int placementKey(int id) {
        return sim.placementKey(id);
      }

      @Override
      public int placementKeys() {
        return sim.placementKeys();
      }

      @Override
      public long lookahead() {
        return sim.lookahead();
      }

      @Override
      public List<Checker> checkers() {
        return sim.checkers();
      }

      @Override
      public LinkFaults faults() {
        return all;
      }

      @Override
      public Map<String, Object> metrics(Metrics merged, List<Checker> checkers) {
        return sim.metrics(merged, checkers);
      }

      @Override
      public TimelineSpec timeline() {
        return sim.timeline();
      }

      @Override
      public List<org.kernsim.protocol.kryo.KryoRegistry.Entry> stateClasses() {
        return sim.stateClasses();
      }
    };
  }
}
