package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HistoryDigestTest {

  /** The definition, computed directly: SHA-256 chained over CHUNK-byte chunks of the stream. */
  private static byte[] reference(byte[] stream) throws Exception {
    byte[] chain = new byte[32];
    int full = stream.length / HistoryDigest.CHUNK;
    for (int k = 0; k < full; k++) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(chain);
      md.update(stream, k * HistoryDigest.CHUNK, HistoryDigest.CHUNK);
      chain = md.digest();
    }
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    md.update(chain);
    md.update(stream, full * HistoryDigest.CHUNK, stream.length - full * HistoryDigest.CHUNK);
    return md.digest();
  }

  @Test
  void isTheChainedDefinitionWhateverTheUpdateSizes() throws Exception {
    Random r = new Random(3);
    for (int t = 0; t < 50; t++) {
      byte[] stream = new byte[r.nextInt(3 * HistoryDigest.CHUNK + 50)];
      r.nextBytes(stream);
      HistoryDigest d = new HistoryDigest();
      int at = 0;
      while (at < stream.length) {
        int n = Math.min(stream.length - at, r.nextInt(2 * HistoryDigest.CHUNK) + 1);
        d.update(stream, at, n);
        at += n;
        if (r.nextInt(4) == 0) d.digest(); // reading the digest does not end the history
      }
      assertArrayEquals(reference(stream), d.digest(), "stream of " + stream.length);
    }
  }

  /**
   * The digest kept as a caller's two fields (the sequential driver's runtimes: the buffer, and the
   * history's length in the current chunk as {@code (len + n) % CHUNK}), updated through the static
   * path, is the definition, through updates that end exactly on a chunk, cross several, grow the
   * buffer, and a state written from the fields and restored.
   */
  @Test
  void aDigestKeptAsFieldsIsTheDefinition() throws Exception {
    Random r = new Random(7);
    for (int t = 0; t < 50; t++) {
      byte[] stream = new byte[r.nextInt(4 * HistoryDigest.CHUNK + 50)];
      r.nextBytes(stream);
      byte[] buf = HistoryDigest.empty();
      int len = 0;
      int at = 0;
      while (at < stream.length) {
        int n =
            Math.min(
                stream.length - at,
                r.nextInt(3) == 0 ? HistoryDigest.CHUNK - len : r.nextInt(300) + 1);
        buf = HistoryDigest.update(buf, len, stream, at, n);
        len = (len + n) % HistoryDigest.CHUNK;
        at += n;
        if (r.nextInt(5) == 0) {
          HistoryDigest restored = HistoryDigest.restore(Arrays.copyOf(buf, 32 + len));
          assertEquals(len, restored.length());
          buf = restored.buffer(); // go on from the restored state
        }
      }
      assertArrayEquals(reference(stream), HistoryDigest.digest(buf, len), "of " + stream.length);
    }
  }

  @Test
  void aRestoredStateGoesOnAsTheOriginal() throws Exception {
    Random r = new Random(5);
    byte[] stream = new byte[2000];
    r.nextBytes(stream);
    for (int cut : new int[] {0, 1, 255, 256, 257, 700, 1999}) {
      HistoryDigest a = new HistoryDigest();
      a.update(stream, 0, cut);
      HistoryDigest b = HistoryDigest.restore(a.state());
      b.update(stream, cut, stream.length - cut);
      assertArrayEquals(reference(stream), b.digest(), "cut at " + cut);
    }
  }

  @Test
  void differentHistoriesDiffer() {
    HistoryDigest a = new HistoryDigest();
    HistoryDigest b = new HistoryDigest();
    a.update(new byte[] {1, 2}, 0, 2);
    b.update(new byte[] {2, 1}, 0, 2);
    assertFalse(Arrays.equals(a.digest(), b.digest()));
    assertEquals(32, a.digest().length);
  }
}
