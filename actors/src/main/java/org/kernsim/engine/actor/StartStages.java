package org.kernsim.engine.actor;

import java.util.List;
import org.kernsim.engine.TraceObserver;

/**
 * Tells a run's observers (a progress bar) how far the start of a run on entity actors is: the
 * actor system being created, how many of the entity actors the partitions have created, how many
 * of the entities have run their {@code start()}, and at the end that the actors are stopping. The
 * partitions report from their own threads, in steps of {@value #STEP} entities, so that a start of
 * seconds at 65,536 CPUs is not spent in front of a bar that does not move. Display only: nothing
 * here reaches the model.
 */
final class StartStages {
  /** Report after every this many entities of a partition (and at its last). */
  static final int STEP = 4096;

  private final List<TraceObserver> observers;
  private final long total; // the entities made at the start (those made on demand are not)
  private long created;
  private long started;

  StartStages(List<TraceObserver> observers, long total) {
    this.observers = observers;
    this.total = total;
  }

  /** No observer: nothing is reported. */
  static final StartStages NONE = new StartStages(List.of(), 0);

  /** The actor system is being created (before any entity). */
  void creatingSystem() {
    if (observers.isEmpty()) return;
    tell("starting the actor system");
  }

  /**
   * {@code n} more entity actors were created. Synchronized, as the others: the partitions' threads
   * report in turn, so that a count shown is never followed by a smaller one.
   */
  synchronized void created(int n) {
    if (observers.isEmpty() || n == 0) return;
    created += n;
    tell("entity actors: " + count(created) + " of " + count(total) + " created");
  }

  /** {@code n} more entities ran their {@code start()}. */
  synchronized void started(int n) {
    if (observers.isEmpty() || n == 0) return;
    started += n;
    tell("entities: " + count(started) + " of " + count(total) + " started");
  }

  /** The run is over; its actors stop. */
  synchronized void stopping() {
    if (observers.isEmpty()) return;
    tell("stopping " + count(created) + " entity actors");
  }

  private static String count(long n) {
    return String.format("%,d", n);
  }

  private void tell(String what) {
    for (TraceObserver o : observers) o.stage(what);
  }
}
