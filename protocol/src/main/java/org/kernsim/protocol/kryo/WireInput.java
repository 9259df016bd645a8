package org.kernsim.protocol.kryo;

import com.esotericsoftware.kryo.io.Input;

/**
 * The input of one received frame. It never trusts a length: every count of elements (of a
 * collection, an array, a string) must fit in the bytes left in the frame — each element takes at
 * least one byte — and under {@link WireLimits#maxElements()}. Kryo's own strings are read through
 * {@link #readString()}, so they are bounded too.
 */
final class WireInput extends Input {
  private final WireLimits limits;

  WireInput(byte[] frame, int offset, int length, WireLimits limits) {
    super(frame, offset, length);
    this.limits = limits;
  }

  WireLimits limits() {
    return limits;
  }

  int remaining() {
    return limit - position;
  }

  /**
   * Reads a count of {@code what}, each element taking at least {@code minBytes} bytes of the
   * frame.
   *
   * @throws MalformedFrameException when the count cannot be right
   */
  static int readCount(Input in, String what, int minBytes) {
    int n = in.readVarInt(true);
    check(in, what, n, minBytes);
    return n;
  }

  /** Checks a count of elements already read (see {@link #readCount}). */
  static void check(Input in, String what, int n, int minBytes) {
    WireLimits limits = in instanceof WireInput w ? w.limits : WireLimits.DEFAULT;
    if (n < 0 || n > limits.maxElements()) {
      throw new MalformedFrameException(
          what
              + " of "
              + Integer.toUnsignedString(n)
              + " elements (at most "
              + limits.maxElements()
              + ", kernsim.kryo.max-elements)");
    }
    // a stream (a file) has an unknown length; a frame's bytes are all in the buffer
    if (in.getInputStream() == null) {
      long left = (long) in.limit() - in.position();
      if ((long) n * minBytes > left) {
        throw new MalformedFrameException(
            what + " of " + n + " elements in the " + left + " bytes left of the frame");
      }
    }
  }

  @Override
  public String readString() {
    checkStringLength();
    return super.readString();
  }

  @Override
  public StringBuilder readStringBuilder() {
    checkStringLength();
    return super.readStringBuilder();
  }

  /**
   * A UTF-8 string is its length in characters (+1; 0 is null) and at least one byte per character:
   * look at the length before Kryo allocates for it. An ASCII string has no length (it ends at the
   * byte with the high bit set), so it cannot ask for more than the frame holds.
   */
  private void checkStringLength() {
    int start = position;
    if (readVarIntFlag()) {
      int n = readVarIntFlag(true);
      if (n != 0 && n != 1) check(this, "string", n - 1, 1); // 0: null, 1: ""
    }
    position = start;
  }
}
