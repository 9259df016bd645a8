package org.kernsim.engine.actor;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.kernsim.engine.Await;
import org.kernsim.engine.EntityRuntime;
import org.kernsim.engine.Placement;
import org.kernsim.engine.RecordFilter;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.snapshot.StateCodec;
import org.kernsim.protocol.engine.CoordinatorCommand;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.snapshot.SimSnapshot;

/**
 * Runs a simulation as Pekko actors in one ActorSystem: one actor per entity (it owns the entity's
 * state and runs its logic), one partition per dispatcher thread, one coordinator that agrees the
 * rounds. The embedded single-node default of {@code kernsim run}.
 */
public final class ActorDriver {

  private ActorDriver() {}

  /** Runs in a fresh ActorSystem whose default dispatcher has {@code threads} threads. */
  public static RunResult run(Simulation sim, RunOptions options, int threads) {
    StartStages stages = stages(sim, options);
    stages.creatingSystem();
    return runAndStop(newSystem("kernsim", config(threads)), sim, options, threads, stages);
  }

  /**
   * Runs in {@code early}'s system (created while the caller built {@code sim}), with as many
   * partitions as it has dispatchers, and stops it.
   */
  public static RunResult run(EarlyActorSystem early, Simulation sim, RunOptions options) {
    StartStages stages = stages(sim, options);
    stages.creatingSystem();
    return runAndStop(early.take(), sim, options, early.threads(), stages);
  }

  private static RunResult runAndStop(
      ActorSystem<Void> system,
      Simulation sim,
      RunOptions options,
      int threads,
      StartStages stages) {
    try {
      return run(system, sim, options, threads, stages);
    } finally {
      stages.stopping();
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException e) {
        // shutting down: nothing more to report
      }
    }
  }

  /**
   * Runs inside an existing system (a test kit's, for example) with {@code partitions} partitions.
   */
  public static RunResult run(
      ActorSystem<?> system, Simulation sim, RunOptions options, int partitions) {
    return run(system, sim, options, partitions, stages(sim, options));
  }

  /** What the run's observers are told about its start: none, without observers. */
  static StartStages stages(Simulation sim, RunOptions options) {
    if (options.observers().isEmpty()) return StartStages.NONE;
    boolean resume = options.resume() != null;
    long total = 0;
    for (int id = 0; id < sim.entityCount(); id++) if (resume || !sim.startsIdle(id)) total++;
    return new StartStages(options.observers(), total);
  }

  static RunResult run(
      ActorSystem<?> system,
      Simulation sim,
      RunOptions options,
      int partitions,
      StartStages stages) {
    CompletableFuture<RunResult> result = new CompletableFuture<>();
    Placement placement = new Placement(sim, partitions);
    RecordFilter filter = Coordinator.filterFor(sim, options);
    // a snapshot asked for (run --snapshot-at) or gone on from (run --from-snapshot): the same
    // partition snapshot and restore as a cluster run's node-loss recovery, on one node
    SimSnapshot resume = options.resume();
    boolean snapshots = resume != null || options.snapshot() != null;
    Supplier<StateCodec> codec = once(() -> new StateCodec(sim));
    Coordinator.Recovery recovery =
        snapshots
            ? new Coordinator.Recovery(
                0,
                1,
                codec,
                sim.model(),
                resume != null ? resume.settings() : Map.of(),
                s -> {},
                resume)
            : null;
    List<List<Event>> pending = new ArrayList<>();
    for (int p = 0; p < partitions; p++) pending.add(new ArrayList<>());
    if (resume != null)
      for (Event e : resume.pending()) pending.get(placement.partitionOf(e.dst())).add(e);
    Behavior<Void> root =
        Behaviors.setup(
            ctx -> {
              ActorRef<CoordinatorCommand> coordinator =
                  ctx.spawn(
                      FatalErrors.guard(
                          Coordinator.create(
                              sim, options, result, Coordinator.Extras.NONE, recovery),
                          result),
                      "coordinator",
                      dispatcher(system, 0));
              ctx.watch(coordinator);
              List<ActorRef<PartitionCommand>> parts = new ArrayList<>();
              for (int p = 0; p < partitions; p++) {
                org.apache.pekko.actor.typed.Props props = dispatcher(system, p);
                ActorRef<PartitionCommand> part =
                    ctx.spawn(
                        FatalErrors.guard(
                            Partition.create(
                                p,
                                placement,
                                sim::entityName,
                                localSpawner(sim, options, filter, result, codec, props, stages),
                                Partition.Wiring.LOCAL,
                                snapshots
                                    ? new Partition.Snapshots(codec, pending.get(p))
                                    : Partition.Snapshots.NONE),
                            result),
                        "partition-" + p,
                        props);
                ctx.watch(part);
                parts.add(part);
              }
              coordinator.tell(new Coordinator.Begin(parts));
              // every way the run's actors can end without a result ends the wait
              return untilEnded(result);
            });
    return await(system, root, options.seed(), result);
  }

  /**
   * The root's behaviour once its run is started: every way its actors end without a result ends
   * the wait.
   */
  static Behavior<Void> untilEnded(CompletableFuture<RunResult> result) {
    return Behaviors.receive(Void.class)
        .onSignal(
            Terminated.class,
            t -> {
              if (!result.isDone()) {
                result.completeExceptionally(
                    new IllegalStateException(
                        "the run's actor "
                            + t.getRef().path().name()
                            + " stopped before the run ended"));
              }
              return Behaviors.same();
            })
        .build();
  }

  /**
   * Spawns {@code root} as the run's system actor, waits for {@code result} (or for the system to
   * stop) and stops the run's actors.
   */
  static RunResult await(
      ActorSystem<?> system, Behavior<Void> root, long seed, CompletableFuture<RunResult> result) {
    ActorRef<Void> run =
        system.systemActorOf(
            root,
            "run-" + Long.toUnsignedString(seed) + "-" + System.identityHashCode(result),
            org.apache.pekko.actor.typed.Props.empty());
    // weakly: a long-lived system (a test kit's) must not keep every finished run's result
    java.lang.ref.WeakReference<CompletableFuture<RunResult>> weak =
        new java.lang.ref.WeakReference<>(result);
    system
        .getWhenTerminated()
        .thenRun(
            () -> {
              CompletableFuture<RunResult> r = weak.get();
              if (r != null)
                r.completeExceptionally(
                    new IllegalStateException("the actor system stopped before the run ended"));
            });
    try {
      return Await.result(result);
    } finally {
      // the run's actors are children of 'run'; stopping it stops them all
      org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system)
          .stop(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(run));
    }
  }

  /**
   * Spawns each member of a partition as a child actor that owns its entity's state and runs its
   * logic; an entity the model makes on demand ({@link Simulation#startsIdle}) is spawned on its
   * first event. In a fresh run the entities spawned at the start run their {@code start()} as they
   * are created ({@link EntityActor#started}), so round 0 sends them nothing.
   */
  static Partition.EntitySpawner localSpawner(
      Simulation sim,
      RunOptions options,
      RecordFilter filter,
      CompletableFuture<?> result,
      Supplier<StateCodec> codec,
      org.apache.pekko.actor.typed.Props props,
      StartStages stages) {
    SimSnapshot resume = options.resume();
    return new Partition.EntitySpawner() {
      @Override
      public List<ActorRef<org.kernsim.protocol.engine.EntityCommand>> spawn(
          org.apache.pekko.actor.typed.javadsl.ActorContext<PartitionCommand> ctx,
          int partition,
          int[] members) {
        List<ActorRef<org.kernsim.protocol.engine.EntityCommand>> refs =
            new ArrayList<>(members.length);
        int made = 0;
        for (int slot = 0; slot < members.length; slot++) {
          int id = members[slot];
          // going on from a snapshot, every entity is restored at once
          boolean later = resume == null && sim.startsIdle(id);
          refs.add(later ? null : make(ctx, slot, id, resume == null));
          if (!later && ++made == StartStages.STEP) {
            stages.created(made);
            made = 0;
          }
        }
        stages.created(made);
        return refs;
      }

      @Override
      public boolean startsAtSpawn() {
        return resume == null;
      }

      @Override
      public void started(int n) {
        stages.started(n);
      }

      @Override
      public ActorRef<org.kernsim.protocol.engine.EntityCommand> spawnLater(
          org.apache.pekko.actor.typed.javadsl.ActorContext<PartitionCommand> ctx,
          int partition,
          int slot,
          int id) {
        return make(ctx, slot, id, false);
      }

      /** The entity actor of {@code id}; {@code start}: it runs its start() as it is created. */
      private ActorRef<org.kernsim.protocol.engine.EntityCommand> make(
          org.apache.pekko.actor.typed.javadsl.ActorContext<PartitionCommand> ctx,
          int slot,
          int id,
          boolean start) {
        EntityRuntime rt;
        if (resume != null) {
          // restored from the snapshot the run goes on from
          StateCodec.EntityParts p = codec.get().readEntity(resume.entities().get(id).state());
          rt =
              EntityRuntime.restore(
                  id,
                  p.logic(),
                  p.saved(),
                  sim.lookahead(),
                  sim::entityName,
                  filter,
                  sim.faults(),
                  org.kernsim.engine.Metrics.buffered(),
                  new org.kernsim.engine.RecordCodec.Bytes());
        } else {
          rt = runtime(sim, options.seed(), filter, id);
        }
        return ctx.spawn(
            FatalErrors.guard(
                start
                    ? EntityActor.started(rt, slot, ctx.getSelf())
                    : EntityActor.create(rt, slot, ctx.getSelf()),
                result),
            "e" + id,
            props);
      }
    };
  }

  /** {@code make}, called once, on first use (most runs never need a state codec). */
  static <T> Supplier<T> once(Supplier<T> make) {
    return new Supplier<>() {
      private T value;

      @Override
      public synchronized T get() {
        if (value == null) value = make.get();
        return value;
      }
    };
  }

  /**
   * An entity actor's runtime: its histogram values are buffered and recorded by its partition (one
   * set of histograms per partition).
   */
  public static EntityRuntime runtime(Simulation sim, long seed, RecordFilter filter, int id) {
    return new EntityRuntime(
        id,
        sim.createEntity(id),
        seed,
        sim.lookahead(),
        sim::entityName,
        filter,
        sim.faults(),
        org.kernsim.engine.Metrics.buffered(),
        new org.kernsim.engine.RecordCodec.Bytes());
  }

  /**
   * Where partition {@code p} and its entity actors run: a dispatcher of one thread of their own
   * ({@code kernsim.partition-dispatcher-N}, N = p modulo how many there are), so that a window's
   * {@code RunWindow}/{@code WindowRan} exchange between a partition and its entities stays on one
   * thread; the default dispatcher in a system without them (a test kit's).
   */
  static org.apache.pekko.actor.typed.Props dispatcher(ActorSystem<?> system, int p) {
    Config c = system.settings().config();
    if (!c.hasPath("kernsim.partition-dispatchers"))
      return org.apache.pekko.actor.typed.Props.empty();
    int n = c.getInt("kernsim.partition-dispatchers");
    return org.apache.pekko.actor.typed.DispatcherSelector.fromConfig(
        "kernsim.partition-dispatcher-" + (p % n));
  }

  /**
   * The partitions' dispatchers: one thread each, a {@link OneThreadExecutor}. A partition tells
   * each entity of a window its {@code RunWindow} from the dispatcher's own thread, and the entity
   * its {@code WindowRan}; the executor queues their mailboxes on a plain queue of its own
   * thread's. (A fork-join pool of parallelism 1 paid a volatile store per message: 0.91x the time
   * of {@code machine-stop} over 1 s without it; a thread-pool executor's shared {@code
   * LinkedBlockingQueue} had been slower still. docs/performance.md, "A partition's dispatcher
   * thread without fork-join".)
   */
  static String partitionDispatchers(int threads) {
    StringBuilder sb = new StringBuilder("kernsim.partition-dispatchers = " + threads + "\n");
    for (int i = 0; i < threads; i++) {
      sb.append("kernsim.partition-dispatcher-")
          .append(i)
          .append(
              " { type = Dispatcher, executor = \""
                  + OneThreadExecutor.Configurator.class.getName()
                  + "\", throughput = 1000 }\n");
    }
    return sb.toString();
  }

  /**
   * A new ActorSystem with an empty guardian on {@code config}, which must hold the whole reference
   * configuration ({@link #config}, a cluster node's): Pekko is given {@link
   * org.kernsim.config.ConfigCache#systemClassLoader()}, so it does not parse the reference again
   * (docs/performance.md, "The reference configuration from a cache").
   */
  public static ActorSystem<Void> newSystem(String name, Config config) {
    return ActorSystem.create(
        Behaviors.empty(),
        name,
        org.apache.pekko.actor.setup.ActorSystemSetup.create(
            org.apache.pekko.actor.BootstrapSetup.create(
                java.util.Optional.of(org.kernsim.config.ConfigCache.systemClassLoader()),
                java.util.Optional.of(config),
                java.util.Optional.empty())));
  }

  /**
   * The configuration of a local run's system: one dispatcher per partition, quiet logs, no exit or
   * shutdown hooks of Pekko's own, and Pekko's serialization not started with the system (nothing
   * of a local run is serialized; created eagerly, its serializers cost ~0.1 s of a fresh JVM's
   * start, docs/performance.md).
   */
  public static Config config(int threads) {
    Config loaded = org.kernsim.config.ConfigCache.load();
    List<String> extensions = new ArrayList<>(loaded.getStringList("pekko.library-extensions"));
    extensions.remove(EAGER_SERIALIZATION);
    return ConfigFactory.parseMap(Map.of("pekko.library-extensions", extensions))
        .withFallback(local(threads))
        .withFallback(loaded);
  }

  /** Pekko's library extension that creates every configured serializer as the system starts. */
  static final String EAGER_SERIALIZATION =
      "org.apache.pekko.serialization.SerializationExtension$";

  private static Config local(int threads) {
    return ConfigFactory.parseString(
        partitionDispatchers(threads)
            + "pekko.actor.default-dispatcher.fork-join-executor.parallelism-min = "
            + threads
            + "\n"
            + "pekko.actor.default-dispatcher.fork-join-executor.parallelism-max = "
            + threads
            + "\n"
            + "pekko.actor.default-dispatcher.fork-join-executor.parallelism-factor = 1.0\n"
            + "pekko.actor.default-dispatcher.throughput = 64\n"
            + "pekko.actor.provider = local\n"
            + "pekko.loglevel = WARNING\n"
            + "pekko.log-dead-letters = off\n"
            + "pekko.log-dead-letters-during-shutdown = off\n"
            // a fatal error the run's actors did not catch (FatalErrors) stops this system,
            // which ends the run's wait, instead of exiting the JVM
            + "pekko.jvm-exit-on-fatal-error = off\n"
            + "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off\n"
            + "pekko.jvm-shutdown-hooks = off\n");
  }

  static Duration timeout() {
    return Duration.ofMinutes(30);
  }
}
