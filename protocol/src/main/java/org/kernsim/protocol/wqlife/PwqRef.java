package org.kernsim.protocol.wqlife;

import org.kernsim.protocol.WireMessage;

/**
 * A {@code struct pool_workqueue}: its id and the pool entity whose {@code pool->lock} guards it.
 */
public record PwqRef(long pwq, int pool) implements WireMessage {
  public static final PwqRef NONE = new PwqRef(-1, -1);

  public boolean present() {
    return pwq >= 0;
  }
}
