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
}
