package org.kernsim.engine.actor;

import com.typesafe.config.Config;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;
import org.apache.pekko.dispatch.MonitorableThreadFactory;

/**
 * The executor of a partition's dispatcher: one thread that runs the mailboxes of the partition and
 * its entity actors. A window is a {@code RunWindow} from the partition to each entity and a {@code
 * WindowRan} back, every one of them told on this thread; a task submitted from this thread goes on
 * a plain queue of its own (no fence, no compare-and-set), where a fork-join pool of parallelism 1
 * paid a volatile store into its work queue per message (15 % of all the samples of a {@code
 * machine-stop} run, 2026-12-07). Tasks from other threads (the coordinator's, a timer's) go
 * through a concurrent inbox and wake the thread if it sleeps; the thread takes the inbox every
 * {@value #INBOX_EVERY} tasks, so that a round that always has local work cannot keep them waiting.
 *
 * <p>Used as {@code executor = "org.kernsim.engine.actor.OneThreadExecutor$Configurator"} in a
 * Pekko dispatcher's configuration ({@link ActorDriver#partitionDispatchers}).
 */
final class OneThreadExecutor extends AbstractExecutorService {

  /** The thread takes what other threads submitted at least once per this many tasks. */
  static final int INBOX_EVERY = 64;

  /** Pekko's hook: a dispatcher whose executor is one {@link OneThreadExecutor}. */
  public static final class Configurator extends ExecutorServiceConfigurator {
    public Configurator(Config config, DispatcherPrerequisites prerequisites) {
      super(config, prerequisites);
    }

    @Override
    public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threads) {
      // named after the dispatcher, as Pekko's own configurators name their threads
      ThreadFactory named =
          threads instanceof MonitorableThreadFactory m ? m.withName(m.name() + "-" + id) : threads;
      return () -> new OneThreadExecutor(named);
    }
  }

  private final ArrayDeque<Runnable> local = new ArrayDeque<>(); // the thread's own
  private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean sleeping;
  private volatile boolean shutdown;
  private volatile boolean dropAll; // shutdownNow: run nothing more

  OneThreadExecutor(ThreadFactory threads) {
    thread = threads.newThread(this::loop);
    thread.start();
  }

  @Override
  public void execute(Runnable task) {
    if (task == null) throw new NullPointerException();
    if (Thread.currentThread() == thread) {
      local.addLast(task); // the loop runs it before it can end
      return;
    }
    if (shutdown) throw new RejectedExecutionException("executor shut down");
    inbox.offer(task);
    // the thread sets sleeping before it looks at the inbox a last time: either it sees the task
    // or this sees it sleeping (both volatile), so no task waits for a wake-up that never comes
    if (sleeping) LockSupport.unpark(thread);
  }

  private void loop() {
    int n = 0;
    try {
      while (!dropAll) {
        Runnable task = (++n % INBOX_EVERY) == 0 ? null : local.pollFirst();
        if (task == null) {
          for (Runnable r; (r = inbox.poll()) != null; ) local.addLast(r);
          task = local.pollFirst();
          if (task == null) {
            if (shutdown) return;
            sleeping = true;
            if (inbox.isEmpty() && !shutdown) LockSupport.park(this);
            sleeping = false;
            continue;
          }
        }
        try {
          task.run();
        } catch (Throwable t) {
          Thread.UncaughtExceptionHandler h = thread.getUncaughtExceptionHandler();
          if (h != null) h.uncaughtException(thread, t);
        }
      }
    } finally {
      terminated.countDown();
    }
  }

  @Override
  public void shutdown() {
    shutdown = true;
    LockSupport.unpark(thread);
  }

  @Override
  public List<Runnable> shutdownNow() {
    dropAll = true;
    shutdown();
    List<Runnable> left = new ArrayList<>();
    for (Runnable r; (r = inbox.poll()) != null; ) left.add(r);
    return left; // the thread's own queue is its own: it stops without running it
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return terminated.getCount() == 0;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return terminated.await(timeout, unit);
  }
}
