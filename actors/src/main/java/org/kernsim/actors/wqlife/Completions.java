package org.kernsim.actors.wqlife;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.engine.Latency;
import org.kernsim.protocol.workqueue.WorkloadMessage;
import org.kernsim.protocol.wqlife.LifeMessage;

/**
 * The {@code struct completion}s of the dependent work items ({@code load.pairs}): {@code
 * complete(&done[id])} and {@code wait_for_completion(&done[id])} (each completion's {@code
 * wait.lock} is a lock section here). A waiter that finds the completion not done yet sleeps until
 * {@code complete()} wakes it.
 */
final class Completions implements Entity {
  private final Latency lock;
  private final Set<Integer> done = new HashSet<>();
  private final Map<Integer, Integer> waiters = new HashMap<>();

  Completions(Latency lock) {
    this.lock = lock;
  }

  @Override
  public void receive(Context ctx, Object msg) {
    if (msg instanceof LifeMessage.Complete c) {
      done.add(c.id());
      Integer w = waiters.remove(c.id());
      if (w != null) ctx.send(w, new LifeMessage.Completed(c.id()), lock);
    } else if (msg instanceof LifeMessage.WaitCompletion w) {
      if (done.contains(w.id())) ctx.send(w.waiter(), new LifeMessage.Completed(w.id()), lock);
      else {
        waiters.put(w.id(), w.waiter());
        ctx.send(w.waiter(), new LifeMessage.NotDone(w.id()), lock);
      }
    } else if (!(msg instanceof WorkloadMessage.PendingCleared)) { // PENDING is not tracked
      throw new IllegalStateException("completions: unexpected " + msg);
    }
  }
}
