package org.kernsim.protocol.kryo;

import com.esotericsoftware.kryo.KryoException;

/**
 * A received frame that does not decode to a kernsim message: a length beyond the frame or the
 * configured maximum, nesting too deep, a reference that is not an actor of this cluster, a class
 * name instead of a registered id. Cheap to throw (no stack trace): a hostile sender may send many.
 */
public final class MalformedFrameException extends KryoException {
  private static final long serialVersionUID = 1L;

  public MalformedFrameException(String message) {
    super(message);
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
