package org.kernsim.protocol.workqueue;

import org.kernsim.protocol.WireMessage;

/**
 * The worker {@code kick_pool()} picked, for a wake-up sent after {@code pool->lock} is dropped
 * (the deferred-wake variants): which task, which of its sleeps, which life of its slot. {@link
 * #NONE} when there is nothing to wake (or the pool woke it under the lock).
 */
public record Wake(int worker, long epoch, long incarnation) implements WireMessage {
  public static final Wake NONE = new Wake(-1, 0, 0);

  public boolean present() {
    return worker >= 0;
  }
}
