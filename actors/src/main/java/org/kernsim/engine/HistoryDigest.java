package org.kernsim.engine;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The digest of one entity's history: SHA-256 chained over fixed-size chunks of the encoded
 * history. With {@code c0} = 32 zero bytes, each full chunk {@code k} of {@link #CHUNK} bytes gives
 * {@code c(k+1) = SHA-256(c(k) || chunk k)}, and the digest is {@code SHA-256(c(n) || tail)} over
 * the bytes after the last full chunk. Chunk boundaries are fixed offsets of the byte stream, so
 * the digest does not depend on when (or whether) it was snapshotted.
 *
 * <p>Why chunks: the state of a streaming {@code MessageDigest} is private to {@code java.base}
 * (JDK 17 module rules), so a snapshot could not write it; here the state is 32 bytes and at most
 * one chunk of bytes, both ours ({@link #state()}, {@link #restore}), while the hashing itself is
 * still the JDK's (intrinsified) SHA-256. See {@code docs/decisions/005-snapshot-state.md}.
 */
public final class HistoryDigest {

  /** Bytes per chained chunk. */
  public static final int CHUNK = 256;

  private static final MessageDigest SHA256;

  static {
    try {
      SHA256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** One SHA-256 per thread (cloned from a prototype: provider lookups are slow and contended). */
  private static final ThreadLocal<MessageDigest> DIGESTS =
      ThreadLocal.withInitial(
          () -> {
            try {
              return (MessageDigest) SHA256.clone();
            } catch (CloneNotSupportedException e) {
              throw new IllegalStateException(e);
            }
          });

  /**
   * The chaining value in bytes {@code [0, 32)}, the bytes of the current chunk after it: a full
   * chunk is hashed with the chaining value in one call, and the new chaining value is written over
   * the old one. It grows to {@code 32 + CHUNK} bytes as the history does.
   */
  private byte[] buf = empty();

  private int len; // bytes of the current chunk

  public HistoryDigest() {}

  /** Appends {@code b[off..off+n)} to the history. */
  public void update(byte[] b, int off, int n) {
    buf = update(buf, len, b, off, n);
    len = (len + n) % CHUNK;
  }

  /**
   * A new digest's buffer (no history yet: length 0): see {@link #update(byte[], int, byte[], int,
   * int)}.
   */
  static byte[] empty() {
    return new byte[32 + 64];
  }

  /**
   * Appends {@code b[off..off+n)} to the history held in {@code buf} (the chaining value, then
   * {@code len} bytes of the current chunk, as in a digest object) and returns the buffer, the same
   * or a larger one; the history's length in the chunk is then {@code (len + n) % CHUNK}. A caller
   * that keeps the buffer and the length in fields of its own (the sequential driver's runtimes)
   * reads no digest object per event.
   */
  static byte[] update(byte[] buf, int len, byte[] b, int off, int n) {
    while (n > 0) {
      int k = Math.min(CHUNK - len, n);
      if (32 + len + k > buf.length) {
        buf = Arrays.copyOf(buf, Math.min(32 + CHUNK, Math.max(buf.length * 2, 32 + len + k)));
      }
      System.arraycopy(b, off, buf, 32 + len, k);
      len += k;
      off += k;
      n -= k;
      if (len == CHUNK) {
        MessageDigest md = DIGESTS.get();
        md.update(buf, 0, 32 + CHUNK);
        try {
          md.digest(buf, 0, 32);
        } catch (java.security.DigestException e) {
          throw new IllegalStateException(e);
        }
        len = 0;
      }
    }
    return buf;
  }

  /** The buffer the next update writes to (until it grows). */
  byte[] buffer() {
    return buf;
  }

  /** The history's bytes in the current chunk (after the chaining value in {@link #buffer}). */
  int length() {
    return len;
  }

  /** The digest of the history so far (the history can go on). */
  public byte[] digest() {
    return digest(buf, len);
  }

  /** The digest of the history held in {@code buf} with {@code len} bytes in its current chunk. */
  static byte[] digest(byte[] buf, int len) {
    MessageDigest md = DIGESTS.get();
    md.update(buf, 0, 32 + len);
    return md.digest();
  }

  /** The state: the chaining value and the bytes after the last full chunk. */
  public byte[] state() {
    return state(buf, len);
  }

  /** The state of the history held in {@code buf} with {@code len} bytes in its current chunk. */
  static byte[] state(byte[] buf, int len) {
    return Arrays.copyOf(buf, 32 + len);
  }

  /** A digest that goes on from {@code state} (as written by {@link #state()}). */
  public static HistoryDigest restore(byte[] state) {
    if (state.length < 32 || state.length >= 32 + CHUNK)
      throw new IllegalArgumentException("history digest state of " + state.length + " bytes");
    HistoryDigest d = new HistoryDigest();
    d.len = state.length - 32;
    if (state.length > d.buf.length) d.buf = new byte[32 + CHUNK];
    System.arraycopy(state, 0, d.buf, 0, state.length);
    return d;
  }
}
