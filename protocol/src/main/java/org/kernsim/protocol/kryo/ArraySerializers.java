package org.kernsim.protocol.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.List;

/**
 * Arrays, in Kryo's own format (length + 1, 0 for null, then the elements), but read without
 * trusting the length: it must fit in the bytes left of the frame (at the element's smallest size)
 * and under {@code kernsim.kryo.max-elements}, and arrays of objects grow as their elements are
 * read rather than being allocated up front (a nested array cannot make the node allocate its
 * claimed size at every level).
 */
final class ArraySerializers {
  private ArraySerializers() {}

  /** The serializer of {@code type} (one of the array rows of {@link KryoRegistry#TABLE}). */
  static Serializer<?> of(Class<?> type) {
    if (type == int[].class) return new Ints();
    if (type == long[].class) return new Longs();
    if (type == byte[].class) return new Bytes();
    if (type == boolean[].class) return new Booleans();
    if (type == double[].class) return new Doubles();
    if (type == float[].class) return new Floats();
    if (type == short[].class) return new Shorts();
    if (type == char[].class) return new Chars();
    if (type == String[].class) return new Strings();
    if (type == Object[].class) return new Objects();
    throw new IllegalArgumentException("no array serializer for " + type);
  }

  /** The length of an array, or -1 for null. */
  private static int length(Input in, String what, int minBytes) {
    int n = in.readVarInt(true);
    if (n == 0) return -1;
    WireInput.check(in, what, n - 1, minBytes);
    return n - 1;
  }

  private abstract static class ArraySerializer<T> extends Serializer<T> {
    ArraySerializer() {
      super(true, false);
    }

    @Override
    public final void write(Kryo kryo, Output out, T a) {
      if (a == null) {
        out.writeVarInt(0, true);
        return;
      }
      int n = java.lang.reflect.Array.getLength(a);
      out.writeVarInt(n + 1, true);
      writeElements(kryo, out, a, n);
    }

    abstract void writeElements(Kryo kryo, Output out, T a, int n);
  }

  static final class Ints extends ArraySerializer<int[]> {
    @Override
    void writeElements(Kryo kryo, Output out, int[] a, int n) {
      out.writeInts(a, 0, n, false);
    }

    @Override
    public int[] read(Kryo kryo, Input in, Class<? extends int[]> type) {
      int n = length(in, "int[]", 1);
      return n < 0 ? null : in.readInts(n, false);
    }
  }

  static final class Longs extends ArraySerializer<long[]> {
    @Override
    void writeElements(Kryo kryo, Output out, long[] a, int n) {
      out.writeLongs(a, 0, n, false);
    }

    @Override
    public long[] read(Kryo kryo, Input in, Class<? extends long[]> type) {
      int n = length(in, "long[]", 1);
      return n < 0 ? null : in.readLongs(n, false);
    }
  }

  static final class Bytes extends ArraySerializer<byte[]> {
    @Override
    void writeElements(Kryo kryo, Output out, byte[] a, int n) {
      out.writeBytes(a);
    }

    @Override
    public byte[] read(Kryo kryo, Input in, Class<? extends byte[]> type) {
      int n = length(in, "byte[]", 1);
      return n < 0 ? null : in.readBytes(n);
    }
  }

  static final class Booleans extends ArraySerializer<boolean[]> {
    @Override
    void writeElements(Kryo kryo, Output out, boolean[] a, int n) {
      out.writeBooleans(a, 0, n);
    }

    @Override
    public boolean[] read(Kryo kryo, Input in, Class<? extends boolean[]> type) {
      int n = length(in, "boolean[]", 1);
      return n < 0 ? null : in.readBooleans(n);
    }
  }

  static final class Doubles extends ArraySerializer<double[]> {
    @Override
    void writeElements(Kryo kryo, Output out, double[] a, int n) {
      out.writeDoubles(a, 0, n);
    }

    @Override
    public double[] read(Kryo kryo, Input in, Class<? extends double[]> type) {
      int n = length(in, "double[]", 8);
      return n < 0 ? null : in.readDoubles(n);
    }
  }

  static final class Floats extends ArraySerializer<float[]> {
    @Override
    void writeElements(Kryo kryo, Output out, float[] a, int n) {
      out.writeFloats(a, 0, n);
    }

    @Override
    public float[] read(Kryo kryo, Input in, Class<? extends float[]> type) {
      int n = length(in, "float[]", 4);
      return n < 0 ? null : in.readFloats(n);
    }
  }

  static final class Shorts extends ArraySerializer<short[]> {
    @Override
    void writeElements(Kryo kryo, Output out, short[] a, int n) {
      out.writeShorts(a, 0, n);
    }

    @Override
    public short[] read(Kryo kryo, Input in, Class<? extends short[]> type) {
      int n = length(in, "short[]", 2);
      return n < 0 ? null : in.readShorts(n);
    }
  }

  static final class Chars extends ArraySerializer<char[]> {
    @Override
    void writeElements(Kryo kryo, Output out, char[] a, int n) {
      out.writeChars(a, 0, n);
    }

    @Override
    public char[] read(Kryo kryo, Input in, Class<? extends char[]> type) {
      int n = length(in, "char[]", 2);
      return n < 0 ? null : in.readChars(n);
    }
  }

  static final class Strings extends ArraySerializer<String[]> {
    @Override
    void writeElements(Kryo kryo, Output out, String[] a, int n) {
      for (String s : a) out.writeString(s);
    }

    @Override
    public String[] read(Kryo kryo, Input in, Class<? extends String[]> type) {
      int n = length(in, "String[]", 1);
      if (n < 0) return null;
      List<String> l = new ArrayList<>(Math.min(n, 64));
      for (int i = 0; i < n; i++) l.add(in.readString());
      return l.toArray(new String[0]);
    }
  }

  static final class Objects extends ArraySerializer<Object[]> {
    @Override
    void writeElements(Kryo kryo, Output out, Object[] a, int n) {
      for (Object o : a) kryo.writeClassAndObject(out, o);
    }

    @Override
    public Object[] read(Kryo kryo, Input in, Class<? extends Object[]> type) {
      int n = length(in, "Object[]", 1);
      if (n < 0) return null;
      List<Object> l = new ArrayList<>(Math.min(n, 64));
      for (int i = 0; i < n; i++) l.add(kryo.readClassAndObject(in));
      return l.toArray();
    }
  }
}
