package org.kernsim.protocol.kryo;

/**
 * What a received frame may ask of this node ({@code kernsim.kryo.*}): its size, the most elements
 * one collection, array or string may have, and how deeply objects may nest. Every count read from
 * the wire is also bounded by the bytes left in the frame (each element takes at least one byte),
 * so a frame can never make the node allocate much more than its own size.
 *
 * @param maxMessageBytes the largest frame accepted (and written)
 * @param maxElements the most elements of one collection, array or string
 * @param maxDepth the deepest nesting of objects (a list in a list in a record...)
 */
public record WireLimits(int maxMessageBytes, int maxElements, int maxDepth) {

  /** The defaults of {@code reference.conf}. */
  public static final WireLimits DEFAULT = new WireLimits(16 << 20, 4 << 20, 64);

  public WireLimits {
    if (maxMessageBytes < 1 || maxElements < 1 || maxDepth < 1)
      throw new IllegalArgumentException(
          "kernsim.kryo limits must be >= 1: max-message-size "
              + maxMessageBytes
              + ", max-elements "
              + maxElements
              + ", max-depth "
              + maxDepth);
  }
}
