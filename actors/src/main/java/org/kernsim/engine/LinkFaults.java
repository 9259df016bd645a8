package org.kernsim.engine;

import java.util.random.RandomGenerator;

/**
 * Extra delay the fault plan adds to a message between two entities. It draws only from {@code
 * random}, the sender's own fault stream (separate from the model's stream, so switching a fault
 * plan on does not shift the model's draws), and therefore replays from the seed.
 */
@FunctionalInterface
public interface LinkFaults {
  LinkFaults NONE = (src, dst, message, now, random) -> 0;

  /** Returned by {@link #extraDelay} to drop the message. */
  long DROP = -1;

  /** Extra delay in ns (>= 0), or {@link #DROP}. */
  long extraDelay(int src, int dst, Object message, long now, RandomGenerator random);

  /**
   * When the run's faults stop (the liveness phase, {@code liveness.faults-off-at}): no fault is
   * injected at or after it — neither by this plan nor by a model ({@link Context#faultsActive}).
   */
  default long until() {
    return Long.MAX_VALUE;
  }

  /** {@code inner} until {@code until}, nothing after. */
  static LinkFaults until(LinkFaults inner, long until) {
    return new LinkFaults() {
      @Override
      public long extraDelay(int src, int dst, Object message, long now, RandomGenerator random) {
        return now >= until ? 0 : inner.extraDelay(src, dst, message, now, random);
      }

      @Override
      public long until() {
        return until;
      }
    };
  }
}
