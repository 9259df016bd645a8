package org.kernsim.engine.actor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.SerializationExtension$;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/** An actor system created while the caller builds its simulation, then run in, then stopped. */
class EarlyActorSystemTest {

  private static final Duration STOPPED = Duration.ofSeconds(30);

  @Test
  void aRunInTheEarlySystemIsTheRunOfAFreshOneAndStopsIt() throws Exception {
    Scenario s = Models.load("workqueue-kick-cull", List.of());
    RunOptions o = RunOptions.of(7, s.until());
    EarlyActorSystem early = EarlyActorSystem.start(2);
    RunResult inEarly = ActorDriver.run(early, s.build(), o);
    RunResult fresh = ActorDriver.run(s.build(), o, 2);
    assertEquals(SequentialDriver.run(s.build(), o).traceSha256(), inEarly.traceSha256());
    assertEquals(fresh.traceSha256(), inEarly.traceSha256());
    assertEquals(fresh.events(), inEarly.events());
    // as many partitions as the early system has dispatchers: the rounds are those of two
    assertEquals(fresh.windows(), inEarly.windows());
    // the run stopped the system; a second take is refused, and close() after a run does nothing
    ActorSystem<Void> taken = early.system.join();
    taken.getWhenTerminated().toCompletableFuture().get(STOPPED.toSeconds(), TimeUnit.SECONDS);
    assertThrows(IllegalStateException.class, early::take);
    early.close();
  }

  @Test
  void closedUntakenItStopsOnceCreated() throws Exception {
    EarlyActorSystem early = EarlyActorSystem.start(2);
    early.close();
    ActorSystem<Void> s = early.system.get(STOPPED.toSeconds(), TimeUnit.SECONDS);
    s.getWhenTerminated().toCompletableFuture().get(STOPPED.toSeconds(), TimeUnit.SECONDS);
    assertThrows(IllegalStateException.class, early::take);
    assertEquals(2, early.threads());
    assertThrows(IllegalArgumentException.class, () -> EarlyActorSystem.start(0));
  }

  @Test
  void aFailingCreationIsThrownByTheRunThatTakesIt() {
    EarlyActorSystem early =
        EarlyActorSystem.start(
            1,
            () -> {
              throw new IllegalStateException("no system today");
            });
    IllegalStateException e = assertThrows(IllegalStateException.class, early::take);
    assertEquals("no system today", e.getMessage());
    early.close(); // taken: nothing to stop
  }

  /**
   * The system is made by ActorDriver.newSystem: Pekko's class loader is ConfigCache's, without
   * reference.conf (so Pekko does not parse it again), and the configuration still holds the whole
   * reference.
   */
  @Test
  void theSystemsClassLoaderHidesTheReferenceItsConfigurationHolds() throws Exception {
    ActorSystem<Void> s = EarlyActorSystem.start(1).take();
    try {
      ClassLoader l =
          ((org.apache.pekko.actor.ExtendedActorSystem) Adapter.toClassic(s))
              .dynamicAccess()
              .classLoader();
      assertTrue(l == org.kernsim.config.ConfigCache.systemClassLoader(), l.toString());
      assertFalse(l.getResources("reference.conf").hasMoreElements());
      assertEquals(
          org.kernsim.config.ConfigCache.load().getString("pekko.version"),
          s.settings().config().getString("pekko.version"));
      assertTrue(s.settings().config().hasPath("pekko.actor.typed.restart-stash-capacity"));
    } finally {
      s.terminate();
      s.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void serializationIsNotStartedWithTheSystemButStillThereWhenAsked() throws Exception {
    List<String> extensions = ActorDriver.config(1).getStringList("pekko.library-extensions");
    assertFalse(extensions.contains(ActorDriver.EAGER_SERIALIZATION), extensions.toString());
    // Pekko's other library extensions are kept (the typed ones, the stream materializer)
    assertTrue(
        extensions.stream().anyMatch(e -> e.contains("LoadTypedExtensions")),
        extensions.toString());
    ActorSystem<Void> s = EarlyActorSystem.start(1).take();
    try {
      org.apache.pekko.actor.ActorSystem classic = Adapter.toClassic(s);
      assertFalse(classic.hasExtension(SerializationExtension$.MODULE$), "started with the system");
      assertNotNull(SerializationExtension.get(classic).findSerializerFor("a string"));
      assertTrue(classic.hasExtension(SerializationExtension$.MODULE$), "started when asked");
    } finally {
      s.terminate();
      s.getWhenTerminated().toCompletableFuture().get(STOPPED.toSeconds(), TimeUnit.SECONDS);
    }
  }
}
