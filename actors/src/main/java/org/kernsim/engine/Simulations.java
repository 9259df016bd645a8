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
      public boolean startsIdle(int id) {
        return sim.startsIdle(id);
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

      @Override
      public List<Obligation> obligations() {
        return sim.obligations();
      }

      @Override
      public TraceNaming naming() {
        return sim.naming();
      }
    };
  }

  /**
   * {@code sim} with a liveness phase: every fault stops at {@code faultsOffAt} (the fault plan's,
   * and the models' own through {@link Context#faultsActive}), and the {@link Liveness} checker
   * requires the model's obligations open then to be done within {@code bound}.
   */
  public static Simulation withLiveness(Simulation sim, long faultsOffAt, long bound) {
    List<Obligation> obligations = List.copyOf(sim.obligations());
    LinkFaults untilOff = LinkFaults.until(sim.faults(), faultsOffAt);
    Simulation faulty = sim;
    return new Simulation() {
      // held here so that a snapshot finds them in the simulation's configuration
      private final List<Obligation> promised = obligations;

      @Override
      public String model() {
        return faulty.model();
      }

      @Override
      public int entityCount() {
        return faulty.entityCount();
      }

      @Override
      public Entity createEntity(int id) {
        return faulty.createEntity(id);
      }

      @Override
      public String entityName(int id) {
        return faulty.entityName(id);
      }

      @Override
      public int placementKey(int id) {
        return faulty.placementKey(id);
      }

      @Override
      public int placementKeys() {
        return faulty.placementKeys();
      }

      @Override
      public long lookahead() {
        return faulty.lookahead();
      }

      @Override
      public List<Checker> checkers() {
        List<Checker> out = new java.util.ArrayList<>(faulty.checkers());
        out.add(new Liveness(faultsOffAt, bound, promised));
        return out;
      }

      @Override
      public LinkFaults faults() {
        return untilOff;
      }

      @Override
      public Map<String, Object> metrics(Metrics merged, List<Checker> checkers) {
        return faulty.metrics(merged, checkers);
      }

      @Override
      public TimelineSpec timeline() {
        return faulty.timeline();
      }

      @Override
      public List<org.kernsim.protocol.kryo.KryoRegistry.Entry> stateClasses() {
        return faulty.stateClasses();
      }

      @Override
      public List<Obligation> obligations() {
        return promised;
      }

      @Override
      public TraceNaming naming() {
        return faulty.naming();
      }
    };
  }
}
