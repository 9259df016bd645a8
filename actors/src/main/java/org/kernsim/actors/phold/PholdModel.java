package org.kernsim.actors.phold;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.kernsim.engine.Checker;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.engine.Metrics;
import org.kernsim.engine.Simulation;
import org.kernsim.protocol.phold.Hop;
import org.kernsim.scenario.ModelFactory;
import org.kernsim.scenario.Setting;
import org.kernsim.scenario.Settings;

/**
 * PHOLD, the standard benchmark of parallel discrete-event simulation: {@code phold.entities}
 * entities, each starting {@code phold.population} events; every event hops to a uniformly random
 * entity after the lookahead plus an exponential delay, until its time-to-live runs out. The total
 * number of events is {@code entities * population * (ttl + 1)}.
 */
public final class PholdModel implements ModelFactory {

  @Override
  public String name() {
    return "phold";
  }

  @Override
  public String description() {
    return "PHOLD benchmark of parallel discrete-event simulation";
  }

  @Override
  public List<Setting> settings() {
    return List.of(
        Setting.integer("phold.entities", 1, 10_000_000, 1024, "Number of entities."),
        Setting.integer("phold.population", 1, 1_000_000, 16, "Events each entity starts with."),
        Setting.integer(
            "phold.ttl", 0, Integer.MAX_VALUE, 63, "Hops per event after the first delivery."),
        Setting.duration(
            "phold.lookahead",
            Duration.ofNanos(1),
            Duration.ofSeconds(1),
            Duration.ofNanos(1000),
            "Minimum delay of a hop (the lookahead)."),
        Setting.duration(
            "phold.mean-extra",
            Duration.ZERO,
            Duration.ofSeconds(1),
            Duration.ofNanos(1000),
            "Mean of the exponential delay added to the lookahead."),
        Setting.number(
            "phold.remote",
            0,
            1,
            1.0,
            "Probability that a hop goes to a random entity rather than back to the same one."));
  }

  @Override
  public Simulation build(Settings s) {
    return new Phold(
        s.intValue("phold.entities"),
        s.intValue("phold.population"),
        s.intValue("phold.ttl"),
        s.nanos("phold.lookahead"),
        s.nanos("phold.mean-extra"),
        s.number("phold.remote"));
  }

  /** A PHOLD instance. */
  public record Phold(
      int entities, int population, int ttl, long lookahead, long meanExtra, double remote)
      implements Simulation {

    @Override
    public String model() {
      return "phold";
    }

    @Override
    public int entityCount() {
      return entities;
    }

    @Override
    public Entity createEntity(int id) {
      return new Lp(this);
    }

    @Override
    public String entityName(int id) {
      return "lp" + id;
    }

    @Override
    public long lookahead() {
      return lookahead;
    }

    @Override
    public Map<String, Object> metrics(Metrics merged, List<Checker> checkers) {
      return Map.of("expectedEvents", (long) entities * population * (ttl + 1L));
    }

    @Override
    public List<org.kernsim.protocol.kryo.KryoRegistry.Entry> stateClasses() {
      return STATE_CLASSES;
    }
  }

  /** PHOLD's state classes for snapshots (ids 2650-2699). */
  static final List<org.kernsim.protocol.kryo.KryoRegistry.Entry> STATE_CLASSES =
      List.of(
          org.kernsim.engine.snapshot.StateRows.row(2650, Phold.class),
          org.kernsim.engine.snapshot.StateRows.row(2651, Lp.class));

  /** One logical process. */
  static final class Lp implements Entity {
    private final Phold p;

    Lp(Phold p) {
      this.p = p;
    }

    @Override
    public void start(Context ctx) {
      for (int i = 0; i < p.population; i++) hop(ctx, p.ttl);
    }

    @Override
    public void receive(Context ctx, Object message) {
      Hop h = (Hop) message;
      if (h.ttl() > 0) hop(ctx, h.ttl() - 1);
    }

    private void hop(Context ctx, int ttl) {
      var r = ctx.random();
      int to = r.nextDouble() < p.remote ? r.nextInt(p.entities) : ctx.self();
      double u = r.nextDouble();
      long extra = p.meanExtra == 0 ? 0 : (long) (-p.meanExtra * Math.log1p(-u));
      ctx.sendAfter(to, new Hop(ttl), p.lookahead + extra);
    }
  }
}
