package org.kernsim.kryo;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Random and mutated frames for the hostile-frame tests, from a corpus of real messages. */
public final class HostileFrames {
  private HostileFrames() {}

  /** A varint of 2^31-1: the largest length a 5-byte varint gives. */
  private static final byte[] HUGE = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07};

  /** One hostile frame: a mutation of {@code base} (or, one time in eight, random bytes). */
  public static byte[] mutate(byte[] base, List<byte[]> corpus, Random r) {
    byte[] f = base.clone();
    int kind = r.nextInt(9);
    switch (kind) {
      case 0 -> { // flip a few bits
        for (int i = 0, n = 1 + r.nextInt(4); i < n && f.length > 0; i++)
          f[r.nextInt(f.length)] ^= (byte) (1 << r.nextInt(8));
      }
      case 1 -> { // a few bytes set at random
        for (int i = 0, n = 1 + r.nextInt(4); i < n && f.length > 0; i++)
          f[r.nextInt(f.length)] = (byte) r.nextInt(256);
      }
      case 2 -> { // random bytes inserted
        int at = r.nextInt(f.length + 1);
        byte[] ins = new byte[1 + r.nextInt(8)];
        r.nextBytes(ins);
        f = splice(f, at, at, ins);
      }
      case 3 -> { // a range deleted
        if (f.length > 1) {
          int a = r.nextInt(f.length);
          int b = Math.min(f.length, a + 1 + r.nextInt(8));
          f = splice(f, a, b, new byte[0]);
        }
      }
      case 4 -> { // a huge length where a varint might be
        int at = r.nextInt(f.length + 1);
        int b = Math.min(f.length, at + r.nextInt(3));
        f = splice(f, at, b, HUGE);
      }
      case 5 -> f = Arrays.copyOf(f, r.nextInt(f.length + 1)); // cut short
      case 6 -> { // the start of one message glued to the end of another
        byte[] o = corpus.get(r.nextInt(corpus.size()));
        int a = r.nextInt(f.length + 1);
        int b = r.nextInt(o.length + 1);
        f = splice(Arrays.copyOf(f, a), a, a, Arrays.copyOfRange(o, b, o.length));
      }
      case 7 -> { // a segment repeated (more nesting, more elements)
        if (f.length > 1) {
          int a = r.nextInt(f.length);
          int b = Math.min(f.length, a + 1 + r.nextInt(16));
          byte[] seg = Arrays.copyOfRange(f, a, b);
          for (int i = 0, n = 1 + r.nextInt(20); i < n; i++) f = splice(f, a, a, seg);
        }
      }
      default -> { // random bytes behind a real first byte (a registered class id)
        byte[] g = new byte[1 + r.nextInt(64)];
        r.nextBytes(g);
        if (f.length > 0) g[0] = f[0];
        f = g;
      }
    }
    return f;
  }

  static byte[] splice(byte[] f, int from, int to, byte[] ins) {
    byte[] g = new byte[f.length - (to - from) + ins.length];
    System.arraycopy(f, 0, g, 0, from);
    System.arraycopy(ins, 0, g, from, ins.length);
    System.arraycopy(f, to, g, from + ins.length, f.length - to);
    return g;
  }
}
