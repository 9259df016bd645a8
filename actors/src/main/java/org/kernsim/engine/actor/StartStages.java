package org.kernsim.engine.actor;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.kernsim.engine.TraceObserver;

/**
 * Tells a run's observers (a progress bar) how far the start of a run on entity actors is: how many
 * of the entity actors the partitions have created, how many of the entities have run their {@code
 * start()}, and at the end that the actors are stopping. The partitions report from their own
 * threads, in steps of {@value #STEP} entities, so that a start of seconds at 65,536 CPUs is not
 * spent in front of a bar that does not move. Display only: nothing here reaches the model.
 */
final class StartStages {
  /** Report after every this many entities of a partition (and at its last). */
  static final int STEP = 4096;

  private final List<TraceObserver> observers;
  private final long total; // the entities made at the start (those made on demand are not)
  private final AtomicLong created = new AtomicLong();
  private final AtomicLong started = new AtomicLong();

  StartStages(List<TraceObserver> observers, long total) {
    this.observers = observers;
    this.total = total;
  }

  /** No observer: nothing is reported. */
  static final StartStages NONE = new StartStages(List.of(), 0);

  /** {@code n} more entity actors were created. */
  void created(int n) {
    if (observers.isEmpty() || n == 0) return;
    tell(
        "entity actors: "
            + String.format("%,d", created.addAndGet(n))
            + " of "
            + totalText()
            + " created");
  }

  /** {@code n} more entities ran their {@code start()}. */
  void started(int n) {
    if (observers.isEmpty() || n == 0) return;
    tell(
        "entities: "
            + String.format("%,d", started.addAndGet(n))
            + " of "
            + totalText()
            + " started");
  }

  /** The run is over; its actors stop. */
  void stopping() {
    if (observers.isEmpty()) return;
    tell("stopping " + String.format("%,d", created.get()) + " entity actors");
  }

  private String totalText() {
    return String.format("%,d", total);
  }

  private void tell(String what) {
    for (TraceObserver o : observers) o.stage(what);
  }
}
