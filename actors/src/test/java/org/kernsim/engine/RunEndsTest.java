package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.phold.Hop;

/**
 * Every run ends: a failing trace observer (a full disk), a fatal error in an entity or in the
 * coordinator's observers, and a stop request (SIGINT) each end the run on both drivers — with the
 * failure as it was, or with {@link EndReason#INTERRUPTED} after the current window — and never
 * leave the caller waiting.
 */
class RunEndsTest {

  private static final Duration BOUND = Duration.ofSeconds(60);

  /** Two entities that bounce one message back and forth, 1 µs per hop, forever. */
  static Simulation pingPong(Entity first) {
    Entity bouncer =
        new Entity() {
          @Override
          public void start(Context ctx) {}

          @Override
          public void receive(Context ctx, Object message) {
            ctx.sendAfter(0, message, 1_000);
          }
        };
    return new EngineTest.Sim(1_000, List.of(first, bouncer));
  }

  static Entity starter(Runnable onReceive) {
    return new Entity() {
      @Override
      public void start(Context ctx) {
        ctx.sendAfter(1, new Hop(1), 1_000);
      }

      @Override
      public void receive(Context ctx, Object message) {
        onReceive.run();
        ctx.sendAfter(1, message, 1_000);
      }
    };
  }

  /** An observer that throws {@code error} at the completion of window {@code at}. */
  static TraceObserver failingAt(long at, RuntimeException rte, Error err) {
    return new TraceObserver() {
      long windows;

      @Override
      public void observe(TraceRecord record) {}

      @Override
      public void windowCompleted(long windowEnd) {
        if (++windows < at) return;
        if (rte != null) throw rte;
        throw err;
      }
    };
  }

  static RunResult run(String driver, Simulation sim, RunOptions options) {
    return driver.equals("actors")
        ? ActorDriver.run(sim, options, 2)
        : SequentialDriver.run(sim, options);
  }

  @AfterEach
  void clear() {
    StopRequest.clear();
  }

  @ParameterizedTest
  @ValueSource(strings = {"actors", "sequential"})
  void aFailingTraceObserverEndsTheRunWithItsError(String driver) {
    UncheckedIOException full =
        new UncheckedIOException(new java.io.IOException("No space left on device"));
    RunOptions options = RunOptions.of(1, 1_000_000_000L).withObserver(failingAt(50, full, null));
    RuntimeException thrown =
        assertTimeoutPreemptively(
            BOUND,
            () ->
                assertThrows(
                    RuntimeException.class,
                    () -> run(driver, pingPong(starter(() -> {})), options)));
    assertSame(full, thrown, "the observer's own error, not a timeout or a wrapper");
  }

  @ParameterizedTest
  @ValueSource(strings = {"actors", "sequential"})
  void theHeapExhaustedInAnObserverOrAnEntityIsTheRunsErrorNotAJvmExit(String driver) {
    OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
    RunOptions options = RunOptions.of(1, 1_000_000_000L).withObserver(failingAt(20, null, oom));
    Error thrown =
        assertTimeoutPreemptively(
            BOUND,
            () ->
                assertThrows(Error.class, () -> run(driver, pingPong(starter(() -> {})), options)));
    assertSame(oom, thrown);

    int[] hops = {0};
    OutOfMemoryError inEntity = new OutOfMemoryError("Java heap space");
    Simulation sim =
        pingPong(
            starter(
                () -> {
                  if (++hops[0] == 30) throw inEntity;
                }));
    Error fromEntity =
        assertTimeoutPreemptively(
            BOUND,
            () ->
                assertThrows(
                    Error.class, () -> run(driver, sim, RunOptions.of(1, 1_000_000_000L))));
    assertSame(inEntity, fromEntity);
  }

  @ParameterizedTest
  @ValueSource(strings = {"actors", "sequential"})
  void aStopRequestEndsTheRunAfterTheCurrentWindowWithoutEndOfRunVerdicts(String driver) {
    boolean[] finished = {false};
    Checker endOfRun =
        new Checker() {
          @Override
          public String name() {
            return "FiresAtTheEnd";
          }

          @Override
          public Set<Class<?>> observes() {
            return Set.of();
          }

          @Override
          public void observe(TraceRecord record, Checks checks) {}

          @Override
          public void finish(long endNanos, EndReason reason, Checks checks) {
            finished[0] = true;
            checks.violation(endNanos, -1, "the run ended");
          }
        };
    int[] hops = {0};
    Simulation base =
        pingPong(
            starter(
                () -> {
                  if (++hops[0] == 40) StopRequest.request("SIGINT");
                }));
    Simulation sim =
        new Simulation() {
          @Override
          public String model() {
            return base.model();
          }

          @Override
          public int entityCount() {
            return base.entityCount();
          }

          @Override
          public Entity createEntity(int id) {
            return base.createEntity(id);
          }

          @Override
          public String entityName(int id) {
            return base.entityName(id);
          }

          @Override
          public long lookahead() {
            return base.lookahead();
          }

          @Override
          public List<Checker> checkers() {
            return List.of(endOfRun);
          }
        };
    RunResult r =
        assertTimeoutPreemptively(BOUND, () -> run(driver, sim, RunOptions.of(1, 1_000_000_000L)));
    assertEquals(EndReason.INTERRUPTED, r.endReason());
    // the starter's 40th message arrives at 80 us: that window is the run's last
    assertEquals(80_000, r.simulatedNanos());
    assertTrue(r.violations().isEmpty(), "no end-of-run verdict on an interrupted run");
    assertTrue(!finished[0], "the checker's finish was not called");
  }
}
