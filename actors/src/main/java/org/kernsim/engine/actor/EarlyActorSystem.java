package org.kernsim.engine.actor;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The actor system of one run on entity actors, created on a thread of its own while the caller
 * loads and builds the simulation. In a fresh JVM creating it is 0.3-0.4 s of Pekko's configuration
 * and classes that would otherwise come after the build, on the one thread (docs/performance.md,
 * "Starting the actor system while the scenario loads"). {@link ActorDriver#run(EarlyActorSystem,
 * org.kernsim.engine.Simulation, org.kernsim.engine.RunOptions)} takes it once and stops it after
 * the run; closed without being taken (bad input found after it was started), it is stopped here.
 * Nothing of the model runs on the starting thread: the system is only created there.
 */
public final class EarlyActorSystem implements AutoCloseable {
  private final int threads;
  final CompletableFuture<ActorSystem<Void>> system = new CompletableFuture<>();
  private final AtomicBoolean taken = new AtomicBoolean();

  private EarlyActorSystem(int threads) {
    this.threads = threads;
  }

  /**
   * Starts creating a system with {@code threads} partition dispatchers, as {@link ActorDriver}.
   */
  public static EarlyActorSystem start(int threads) {
    if (threads < 1) throw new IllegalArgumentException("threads " + threads + ": must be >= 1");
    return start(threads, () -> ActorDriver.newSystem("kernsim", ActorDriver.config(threads)));
  }

  /** Starts {@code create} on a thread of its own (tests: a creation that fails). */
  static EarlyActorSystem start(int threads, Callable<ActorSystem<Void>> create) {
    EarlyActorSystem early = new EarlyActorSystem(threads);
    Thread starter =
        new Thread(
            () -> {
              try {
                early.system.complete(create.call());
              } catch (Throwable t) {
                early.system.completeExceptionally(t);
              }
            },
            "kernsim-actor-system-start");
    starter.setDaemon(true);
    starter.start();
    return early;
  }

  /** The partitions the system has dispatchers for. */
  public int threads() {
    return threads;
  }

  /** The system, once created (waits for it); its creation's failure is thrown here. */
  ActorSystem<Void> take() {
    if (!taken.compareAndSet(false, true))
      throw new IllegalStateException("this actor system was taken already");
    try {
      return system.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) throw r;
      if (cause instanceof Error err) throw err;
      throw e;
    }
  }

  /**
   * Stops the system unless a run took it (the run stops it). Does not wait: the caller is on its
   * way out with an error (bad input found after the start), and the system stops on its own
   * threads once created.
   */
  @Override
  public void close() {
    if (taken.compareAndSet(false, true)) system.thenAccept(ActorSystem::terminate);
  }
}
