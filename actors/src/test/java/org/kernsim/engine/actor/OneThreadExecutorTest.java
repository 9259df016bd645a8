package org.kernsim.engine.actor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

class OneThreadExecutorTest {

  private static final ThreadFactory THREADS =
      r -> {
        Thread t = new Thread(r, "one-thread-test");
        t.setDaemon(true);
        return t;
      };

  @Test
  void tasksRunInOrderOnOneThreadWhoeverSubmitsThem() throws Exception {
    OneThreadExecutor ex = new OneThreadExecutor(THREADS);
    List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
    AtomicReference<Thread> first = new AtomicReference<>();
    AtomicBoolean otherThread = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(1);
    for (int i = 0; i < 100; i++) {
      int n = i;
      ex.execute(
          () -> {
            first.compareAndSet(null, Thread.currentThread());
            if (first.get() != Thread.currentThread()) otherThread.set(true);
            ran.add(n);
            // the thread's own submissions: after what is queued already, in their order
            if (n == 0) for (int k = 1000; k < 1003; k++) ex.execute(addTo(ran, k));
          });
    }
    ex.execute(done::countDown);
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertFalse(otherThread.get());
    assertEquals(103, ran.size());
    List<Integer> outside = ran.stream().filter(x -> x < 1000).toList();
    List<Integer> own = ran.stream().filter(x -> x >= 1000).toList();
    for (int i = 0; i < 100; i++) assertEquals(i, outside.get(i));
    assertEquals(List.of(1000, 1001, 1002), own);
    ex.shutdown();
    assertTrue(ex.awaitTermination(10, TimeUnit.SECONDS));
  }

  private static Runnable addTo(List<Integer> list, int n) {
    return () -> list.add(n);
  }

  @Test
  void aTaskFromOutsideRunsWhileTheThreadKeepsItselfBusy() throws Exception {
    // a round that always has local work (a window's RunWindow, its WindowRan, the next...) must
    // not keep the coordinator's messages waiting: the inbox is taken every INBOX_EVERY tasks
    OneThreadExecutor ex = new OneThreadExecutor(THREADS);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger spins = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    Runnable[] spin = new Runnable[1];
    spin[0] =
        () -> {
          spins.incrementAndGet();
          started.countDown();
          if (!stop.get()) ex.execute(spin[0]);
        };
    ex.execute(spin[0]);
    assertTrue(started.await(10, TimeUnit.SECONDS));
    CountDownLatch outside = new CountDownLatch(1);
    ex.execute(
        () -> {
          stop.set(true);
          outside.countDown();
        });
    assertTrue(outside.await(10, TimeUnit.SECONDS), "the outside task never ran");
    ex.shutdown();
    assertTrue(ex.awaitTermination(10, TimeUnit.SECONDS));
    assertTrue(spins.get() >= 1);
  }

  @Test
  void noSubmissionFromOtherThreadsWaitsForAWakeUpThatNeverComes() throws Exception {
    OneThreadExecutor ex = new OneThreadExecutor(THREADS);
    int threads = 4;
    int each = 20_000;
    AtomicInteger ran = new AtomicInteger();
    CountDownLatch all = new CountDownLatch(threads * each);
    List<Thread> producers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread p =
          new Thread(
              () -> {
                for (int i = 0; i < each; i++) {
                  ex.execute(
                      () -> {
                        ran.incrementAndGet();
                        all.countDown();
                      });
                  // now and then let the executor run dry and sleep
                  if (i % 1000 == 0) LockSupportPause.pause();
                }
              });
      producers.add(p);
      p.start();
    }
    for (Thread p : producers) p.join();
    assertTrue(all.await(30, TimeUnit.SECONDS), "ran " + ran.get() + " of " + threads * each);
    ex.shutdown();
    assertTrue(ex.awaitTermination(10, TimeUnit.SECONDS));
  }

  /** A short pause of a producer. */
  private static final class LockSupportPause {
    static void pause() {
      java.util.concurrent.locks.LockSupport.parkNanos(200_000);
    }
  }

  @Test
  void aFailingTaskGoesToTheHandlerAndTheThreadGoesOn() throws Exception {
    AtomicReference<Throwable> caught = new AtomicReference<>();
    ThreadFactory withHandler =
        r -> {
          Thread t = THREADS.newThread(r);
          t.setUncaughtExceptionHandler((th, e) -> caught.set(e));
          return t;
        };
    OneThreadExecutor ex = new OneThreadExecutor(withHandler);
    IllegalStateException boom = new IllegalStateException("boom");
    ex.execute(
        () -> {
          throw boom;
        });
    CountDownLatch after = new CountDownLatch(1);
    ex.execute(after::countDown);
    assertTrue(after.await(10, TimeUnit.SECONDS));
    assertSame(boom, caught.get());
    ex.shutdown();
    assertTrue(ex.awaitTermination(10, TimeUnit.SECONDS));
  }

  @Test
  void shutdownRunsWhatWasQueuedThenRefusesMore() throws Exception {
    OneThreadExecutor ex = new OneThreadExecutor(THREADS);
    CountDownLatch gate = new CountDownLatch(1);
    AtomicInteger ran = new AtomicInteger();
    ex.execute(
        () -> {
          try {
            gate.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ran.incrementAndGet();
        });
    for (int i = 0; i < 10; i++) ex.execute(ran::incrementAndGet);
    ex.shutdown();
    assertTrue(ex.isShutdown());
    assertThrows(RejectedExecutionException.class, () -> ex.execute(ran::incrementAndGet));
    assertFalse(ex.isTerminated());
    gate.countDown();
    assertTrue(ex.awaitTermination(10, TimeUnit.SECONDS));
    assertTrue(ex.isTerminated());
    assertEquals(11, ran.get());
  }

  @Test
  void theActorDriversPartitionDispatcherRunsOnIt() throws Exception {
    // the actors of partition 0 (the partition, its entities, the coordinator) run on the one
    // thread its dispatcher's executor starts, named after the dispatcher
    AtomicReference<Thread> where = new AtomicReference<>();
    AtomicBoolean twoThreads = new AtomicBoolean();
    AtomicInteger onExecutor = new AtomicInteger();
    CountDownLatch seen = new CountDownLatch(2);
    Behavior<String> probe =
        Behaviors.receiveMessage(
            m -> {
              if (java.util.Arrays.stream(new Throwable().getStackTrace())
                  .anyMatch(f -> f.getClassName().equals(OneThreadExecutor.class.getName())))
                onExecutor.incrementAndGet();
              if (!where.compareAndSet(null, Thread.currentThread())
                  && where.get() != Thread.currentThread()) twoThreads.set(true);
              seen.countDown();
              return Behaviors.same();
            });
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.<Void>setup(
                ctx -> {
                  Props props = ActorDriver.dispatcher(ctx.getSystem(), 0);
                  ctx.spawn(probe, "a", props).tell("x");
                  ctx.spawn(probe, "b", props).tell("y");
                  return Behaviors.empty();
                }),
            "one-thread-test",
            ActorDriver.config(1));
    try {
      assertTrue(seen.await(10, TimeUnit.SECONDS));
      assertFalse(twoThreads.get(), "two actors of the dispatcher ran on different threads");
      assertEquals(2, onExecutor.get(), "messages handled outside a OneThreadExecutor's loop");
      String name = where.get().getName();
      assertTrue(name.contains("kernsim.partition-dispatcher-0"), "thread named " + name);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
