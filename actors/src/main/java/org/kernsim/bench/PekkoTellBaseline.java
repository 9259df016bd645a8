package org.kernsim.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The baseline the engine is measured against: the same traffic as PHOLD (N actors, a population of
 * messages each, every message forwarded to a uniformly random actor until its time-to-live runs
 * out) as raw Pekko typed {@code tell}s, with no virtual time, ordering or barrier at all.
 */
public final class PekkoTellBaseline {
  private PekkoTellBaseline() {}

  record Hop(int ttl) {}

  /** Runs the traffic in {@code system}; returns messages delivered per second. */
  public static double run(ActorSystem<?> system, int actors, int population, int ttl, long seed) {
    long initial = (long) actors * population;
    AtomicLong alive = new AtomicLong(initial);
    CompletableFuture<Long> done = new CompletableFuture<>();
    List<ActorRef<Hop>> refs = new ArrayList<>(actors);
    Object lock = new Object();
    CompletableFuture<List<ActorRef<Hop>>> spawned = new CompletableFuture<>();
    ActorRef<Void> parent =
        system.systemActorOf(
            Behaviors.setup(
                ctx -> {
                  for (int i = 0; i < actors; i++) {
                    SplittableRandom r = new SplittableRandom(seed * 31 + i);
                    refs.add(ctx.spawn(hopper(refs, r, alive, done), "a" + i));
                  }
                  spawned.complete(refs);
                  return Behaviors.<Void>empty();
                }),
            "tell-baseline-" + System.nanoTime(),
            org.apache.pekko.actor.typed.Props.empty());
    List<ActorRef<Hop>> all = spawned.join();
    long start = System.nanoTime();
    synchronized (lock) {
      SplittableRandom r = new SplittableRandom(seed);
      for (int i = 0; i < actors; i++) {
        for (int j = 0; j < population; j++) all.get(r.nextInt(actors)).tell(new Hop(ttl));
      }
    }
    done.join();
    long nanos = System.nanoTime() - start;
    org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system)
        .stop(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(parent));
    long messages = initial * (ttl + 1L);
    return messages / (nanos / 1e9);
  }

  private static Behavior<Hop> hopper(
      List<ActorRef<Hop>> refs,
      SplittableRandom r,
      AtomicLong alive,
      CompletableFuture<Long> done) {
    return Behaviors.receiveMessage(
        h -> {
          if (h.ttl() > 0) {
            refs.get(r.nextInt(refs.size())).tell(new Hop(h.ttl() - 1));
          } else if (alive.decrementAndGet() == 0) {
            done.complete(0L);
          }
          return Behaviors.same();
        });
  }
}
