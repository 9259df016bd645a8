package org.kernsim.engine.actor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.phold.PholdModel;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.scenario.Settings;

/**
 * The entities' answers to a window ({@link WindowReplies}): exactly one {@code WindowRan} per
 * window, sent by the last entity to finish, with every entity's answer visible to the partition
 * when entities run on several threads at once; the pool and the event lists do not keep a burst.
 */
class WindowRepliesTest {

  static ActorTestKit kit;

  @BeforeAll
  static void start() {
    // the default dispatcher only (no partition dispatchers): a window's entities run on several
    // threads at once, as in a test kit's system
    kit =
        ActorTestKit.create(
            "window-replies-test",
            ConfigFactory.parseString(
                    "pekko.actor.default-dispatcher.fork-join-executor.parallelism-min = 4\n"
                        + "pekko.actor.default-dispatcher.throughput = 1\n"
                        + "pekko.loglevel = WARNING\n")
                .withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void theLastEntityToAnswerTellsOnceAndEveryAnswerIsVisible() throws Exception {
    WindowReplies replies = new WindowReplies();
    TestProbe<PartitionCommand> partition = kit.createTestProbe();
    int entities = 64;
    for (long window = 1; window <= 20; window++) {
      replies.start(window, entities);
      List<Thread> threads = new ArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      for (int i = 0; i < entities; i++) {
        WindowReplies.Reply r = replies.reply(i, 1000 + i);
        long w = window;
        int k = i;
        threads.add(
            new Thread(
                () -> {
                  try {
                    go.await();
                  } catch (InterruptedException e) {
                    return;
                  }
                  for (int j = 0; j <= k % 3; j++) r.out.add(Event.message(w, k, j, 0, "x"));
                  r.delivered = k;
                  r.lastTime = w * 100 + k;
                  r.done(partition.ref());
                }));
      }
      threads.forEach(Thread::start);
      go.countDown();
      WindowReplies.WindowRan ran =
          (WindowReplies.WindowRan) partition.receiveMessage(Duration.ofSeconds(10));
      assertEquals(window, ran.window());
      for (Thread t : threads) t.join();
      partition.expectNoMessage(Duration.ofMillis(20));
      assertEquals(entities, replies.size());
      for (int i = 0; i < entities; i++) {
        WindowReplies.Reply r = replies.get(i);
        assertEquals(1000 + i, r.slot);
        assertEquals(i % 3 + 1, r.out.size(), "entity " + i + "'s events");
        assertEquals(i, r.delivered);
        assertEquals(window * 100 + i, r.lastTime);
      }
      replies.clear();
      assertTrue(replies.get(0).out.isEmpty());
    }
  }

  @Test
  void aWindowCannotStartWhileOneRuns() {
    WindowReplies replies = new WindowReplies();
    replies.start(1, 2);
    assertThrows(IllegalStateException.class, () -> replies.start(2, 2));
  }

  @Test
  void aBurstDoesNotStay() {
    WindowReplies replies = new WindowReplies();
    TestProbe<PartitionCommand> partition = kit.createTestProbe();
    replies.start(1, 4096);
    for (int i = 0; i < 4096; i++) {
      WindowReplies.Reply r = replies.reply(i, i);
      if (i == 0)
        for (int j = 0; j <= WindowReplies.KEEP_EVENTS; j++)
          r.out.add(Event.message(1, 0, j, 1, "x"));
      r.records = new ArrayList<>();
      r.done(partition.ref());
    }
    partition.expectMessageClass(WindowReplies.WindowRan.class);
    List<Event> big = replies.get(0).out;
    replies.clear();
    assertTrue(replies.get(0).out != big && replies.get(0).out.isEmpty(), "a long list goes");
    assertNull(replies.get(1).records);
    assertEquals(4096, replies.capacity());
    for (int w = 2; w < 2 + 2 * WindowReplies.SHRINK_AFTER; w++) {
      replies.start(w, 3);
      for (int i = 0; i < 3; i++) replies.reply(i, i).done(partition.ref());
      partition.expectMessageClass(WindowReplies.WindowRan.class);
      replies.clear();
    }
    assertEquals(16, replies.capacity(), "shrunk to the recent windows' size");
  }

  /**
   * PHOLD on the actor driver in a system whose entities run on several threads at once: the same
   * trace hash, events, metrics as the sequential driver.
   */
  @Test
  void sameHashWhenAWindowsEntitiesRunInParallel() {
    Simulation sim =
        new PholdModel()
            .build(
                Settings.defaults(
                    new PholdModel(),
                    Map.of("phold.entities", "300", "phold.population", "6", "phold.ttl", "15")));
    RunOptions o = RunOptions.of(7, Long.MAX_VALUE);
    RunResult seq = SequentialDriver.run(sim, o);
    RunResult actors = ActorDriver.run(kit.system(), sim, o, 3);
    assertEquals(300L * 6 * 16, actors.events());
    assertEquals(seq.traceSha256(), actors.traceSha256());
    assertEquals(seq.metrics(), actors.metrics());
  }
}
