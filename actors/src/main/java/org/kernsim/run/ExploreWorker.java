package org.kernsim.run;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.kernsim.engine.Coverage;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.StopRequest;
import org.kernsim.engine.schedule.Forks;
import org.kernsim.engine.schedule.Strategy;
import org.kernsim.models.Models;
import org.kernsim.protocol.explore.ExploreResult;
import org.kernsim.protocol.explore.ExploreWork;
import org.kernsim.scenario.Scenario;
import org.kernsim.scenario.Scenarios;

/**
 * The explore worker of a cluster node ({@code /system/kernsim-explore}, registered with the
 * Receptionist under {@link #KEY}): it runs batches of schedules for the node that coordinates an
 * exploration ({@link ClusterExplorer}) and answers each batch with its folded results.
 *
 * <p>A node runs {@code slots} batches at once, each on a thread of its own with a simulation of
 * its own (the sequential driver, as {@link Explorer} runs a schedule on one node); a batch's
 * schedules run in index order, so a batch that stops at its first violation has run every schedule
 * before it. A forked batch holds whole seeds, so each seed's prefix is simulated once.
 */
public final class ExploreWorker implements Extension {

  public static final ServiceKey<ExploreWork> KEY =
      ServiceKey.create(ExploreWork.class, "kernsim-explore");

  public static final String NAME = "kernsim-explore";

  private final ActorRef<ExploreWork> ref;

  private ExploreWorker(ActorRef<ExploreWork> ref) {
    this.ref = ref;
  }

  public ActorRef<ExploreWork> ref() {
    return ref;
  }

  private static final ExtensionId<ExploreWorker> ID =
      new ExtensionId<>() {
        @Override
        public ExploreWorker createExtension(ActorSystem<?> system) {
          return new ExploreWorker(system.systemActorOf(behavior(), NAME, Props.empty()));
        }
      };

  /** Starts this node's explore worker (idempotent); a worker node's CLI calls it at start. */
  public static ExploreWorker start(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** One exploration as this node runs it. */
  private static final class Exploration {
    final ExploreWork.Open open;
    final Explorer.Plan plan;
    final Scenario scenario;
    final ExecutorService pool;
    final org.kernsim.run.swarm.Swarm swarm;
    // idle simulations, by swarm subset (0 without swarm testing)
    final java.util.concurrent.ConcurrentHashMap<Long, ConcurrentLinkedQueue<Simulation>> sims =
        new java.util.concurrent.ConcurrentHashMap<>();
    final AtomicLong stopAbove = new AtomicLong(Long.MAX_VALUE);
    volatile boolean closed;

    Exploration(ExploreWork.Open open, Explorer.Plan plan, Scenario scenario, int slots) {
      this.open = open;
      this.plan = plan;
      this.scenario = scenario;
      this.swarm = plan.swarm() ? org.kernsim.run.swarm.Swarm.of(scenario) : null;
      AtomicInteger n = new AtomicInteger();
      this.pool =
          Executors.newFixedThreadPool(
              slots,
              r -> {
                Thread t = new Thread(r, "explore-" + open.exploreId() + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
    }

    /** An idle simulation of swarm subset {@code subset} (0 without swarm testing). */
    Simulation take(long subset) {
      Simulation s = sims.computeIfAbsent(subset, k -> new ConcurrentLinkedQueue<>()).poll();
      if (s != null) return s;
      return (swarm == null ? scenario : swarm.scenarioOf(subset)).build();
    }

    void give(long subset, Simulation s) {
      sims.computeIfAbsent(subset, k -> new ConcurrentLinkedQueue<>()).add(s);
    }
  }

  static Behavior<ExploreWork> behavior() {
    return Behaviors.setup(
        ctx -> {
          ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
          String address = Cluster.get(ctx.getSystem()).selfMember().address().toString();
          Map<String, Exploration> running = new HashMap<>();
          return Behaviors.<ExploreWork>receive(
              (c, msg) -> {
                if (msg instanceof ExploreWork.Open o) {
                  try {
                    Exploration e = open(o);
                    Exploration old = running.put(o.exploreId(), e);
                    if (old != null) close(old);
                    // a coordinator that goes away without a Close (its process killed, its node
                    // removed) closes the exploration here too: no threads linger on this node
                    c.watchWith(o.replyTo(), new ExploreWork.Close(o.exploreId()));
                    o.replyTo()
                        .tell(
                            new ExploreResult.Ready(o.exploreId(), c.getSelf(), address, slots(o)));
                  } catch (RuntimeException ex) {
                    o.replyTo()
                        .tell(
                            new ExploreResult.Failed(
                                o.exploreId(), c.getSelf(), address, String.valueOf(ex)));
                  }
                } else if (msg instanceof ExploreWork.Batch b) {
                  Exploration e = running.get(b.exploreId());
                  if (e != null) submit(e, b, c.getSelf(), address);
                } else if (msg instanceof ExploreWork.StopAbove s) {
                  Exploration e = running.get(s.exploreId());
                  if (e != null) e.stopAbove.accumulateAndGet(s.index(), Math::min);
                } else if (msg instanceof ExploreWork.Close cl) {
                  Exploration e = running.remove(cl.exploreId());
                  if (e != null) {
                    close(e);
                    c.unwatch(e.open.replyTo());
                  }
                }
                return Behaviors.same();
              },
              (c, sig) -> {
                if (sig instanceof PostStop) running.values().forEach(ExploreWorker::close);
                return Behaviors.same();
              });
        });
  }

  private static int slots(ExploreWork.Open o) {
    return o.threads() > 0 ? o.threads() : Runtime.getRuntime().availableProcessors();
  }

  private static Exploration open(ExploreWork.Open o) {
    var factory = Models.find(o.model());
    if (factory == null)
      throw new IllegalArgumentException("unknown model '" + o.model() + "' on this node");
    Scenario scenario = Scenarios.fromMap(factory, o.settings());
    Strategy.Kind kind = null;
    for (Strategy.Kind k : Strategy.Kind.values()) if (k.flag().equals(o.strategy())) kind = k;
    if (kind == null) throw new IllegalArgumentException("unknown strategy " + o.strategy());
    Explorer.Plan plan =
        Explorer.Plan.builder(o.scenario())
            .seeds(o.first(), o.last())
            .until(o.untilNanos())
            .threads(slots(o))
            .stopAtFirst(o.stopAtFirst())
            .fork(o.forkAt(), o.forks())
            .strategy(new Strategy(kind, o.pctDepth(), o.delayBound()))
            .coverage(o.coverage())
            .swarm(o.swarm())
            .build();
    return new Exploration(o, plan, scenario, slots(o));
  }

  private static void close(Exploration e) {
    e.closed = true;
    e.pool.shutdown();
  }

  private static void submit(
      Exploration e, ExploreWork.Batch b, ActorRef<ExploreWork> self, String address) {
    try {
      e.pool.execute(
          () -> {
            if (e.closed) return;
            try {
              ExploreResult.Partial p = runBatch(e, b.from(), b.to());
              if (!e.closed)
                e.open
                    .replyTo()
                    .tell(new ExploreResult.BatchDone(b.exploreId(), self, b.from(), b.to(), p));
            } catch (RuntimeException | Error ex) {
              if (!e.closed)
                e.open
                    .replyTo()
                    .tell(
                        new ExploreResult.Failed(
                            b.exploreId(),
                            self,
                            address,
                            (ex instanceof IllegalArgumentException && e.plan.forking()
                                    ? "--fork-at: "
                                    : "")
                                + ex.getMessage()));
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // the exploration was closed meanwhile
    }
  }

  /**
   * Runs schedules {@code [from, to)} of {@code e} in order on this thread; their folded results.
   */
  static ExploreResult.Partial runBatch(Exploration e, long from, long to) {
    Explorer.Plan plan = e.plan;
    long until = plan.untilOverride() >= 0 ? plan.untilOverride() : e.scenario.until();
    Explorer.Aggregate agg =
        new Explorer.Aggregate(
            plan, new Explorer.Listener() {}, System.nanoTime(), Long.MAX_VALUE, e.swarm);
    Forks.Prefix prefix = null;
    long prefixMillis = 0;
    long subset = -1;
    Simulation sim = null;
    try {
      for (long i = from; i < to; i++) {
        if (e.closed || StopRequest.requested() || i > e.stopAbove.get()) break;
        if (plan.stopAtFirst() && agg.found()) break;
        Explorer.Schedule s = plan.schedule(i);
        long wanted = e.swarm == null ? 0 : e.swarm.subset(s.seed());
        if (sim == null || wanted != subset) {
          if (sim != null) e.give(subset, sim);
          sim = null;
          sim = e.take(wanted);
          subset = wanted;
        }
        if (plan.forking() && (prefix == null || prefix.seed() != s.seed())) {
          prefix = Forks.prefix(sim, s.seed(), plan.forkAt(), until, plan.strategy());
          prefixMillis += prefix.prefixMillis();
        }
        Coverage cov = plan.coverage() ? new Coverage() : null;
        RunResult r = Explorer.runSchedule(plan, sim, prefix, s, until, cov);
        agg.add(i, s, r, cov);
      }
    } finally {
      if (sim != null) e.give(subset, sim);
    }
    return agg.toPartial(prefixMillis);
  }
}
